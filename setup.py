"""Install pose3d_toolbox: ``bash tools/install.sh`` (see README.md)."""
import os.path as osp
import re

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    with open(osp.join(HERE, 'requirements', name)) as f:
        return [line.split('#')[0].strip() for line in f
                if line.split('#')[0].strip()]


def read_version():
    with open(osp.join(HERE, 'pose3d_toolbox', '__init__.py')) as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


setup(
    name='pose3d_toolbox',
    version=read_version(),
    description='An MMPose-style toolbox for 3D human pose estimation',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['pose3d_toolbox', 'pose3d_toolbox.*']),
    package_data={'pose3d_toolbox': ['data/*.npz', 'data/*.md']},
    python_requires='>=3.9',
    install_requires=read_requirements('runtime.txt'),
    extras_require={'tests': read_requirements('tests.txt') +
                    read_requirements('deploy.txt'),
                    'deploy': read_requirements('deploy.txt')},
    license='Apache-2.0',
)
