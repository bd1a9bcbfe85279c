"""Shared test helpers. This folder is on ``sys.path`` (pytest puts a
conftest's folder there), so tests import ``fixtures`` directly."""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

REPO = Path(__file__).resolve().parents[1]

# shared_guard: tests needing ../shared skip without it, fail in CI;
# pytester: tests of that plugin run pytest on small generated files.
pytest_plugins = ['shared_guard', 'pytester']

# Property tests (tests/test_properties): a modest number of cases each, no
# per-case deadline (the first case pays for imports), no example database,
# and hypothesis' cache in the temporary directory, not .hypothesis/ in the
# source tree. pytest.ini's --hypothesis-show-statistics prints how many
# cases each test ran.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / 'pose3d_hypothesis')
# A failure prints the @reproduce_failure blob that replays it.
settings.register_profile('pose3d', max_examples=60, deadline=None,
                          database=None, print_blob=True)
settings.load_profile('pose3d')


def run_tool(*args, timeout=600, env=None, cwd=None):
    """Run ``python tools/...`` (or a shell script) as a user would; return
    the completed process and fail with its output if it failed."""
    cmd = list(args)
    if cmd[0].endswith('.py'):
        cmd = [sys.executable] + cmd
    full_env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    full_env.update(env or {})
    proc = subprocess.run(cmd, cwd=cwd or REPO, env=full_env, timeout=timeout,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f'{" ".join(map(str, cmd))} exited {proc.returncode}:\n'
                    f'{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}')
    return proc


@pytest.fixture(scope='session', autouse=True)
def user_cache_under_tmp(tmp_path_factory):
    """Caches the code under test writes to the user cache
    (``POSE3D_CACHE_DIR``, e.g. the renders of ``cache_dir=True``) go to a
    pytest temporary folder, never to the source tree or ``~/.cache``; tools
    started by the tests inherit it."""
    old = os.environ.get('POSE3D_CACHE_DIR')
    os.environ['POSE3D_CACHE_DIR'] = str(tmp_path_factory.mktemp('cache'))
    yield os.environ['POSE3D_CACHE_DIR']
    if old is None:
        del os.environ['POSE3D_CACHE_DIR']
    else:
        os.environ['POSE3D_CACHE_DIR'] = old


@pytest.fixture(scope='session')
def h36m_root(tmp_path_factory):
    """A tiny Human3.6M tree in MMPose's layout, made once per session."""
    from fixtures import make_h36m_fixture
    root = tmp_path_factory.mktemp('h36m')
    make_h36m_fixture(root)
    return root
