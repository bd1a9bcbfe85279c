"""Shared test helpers. This folder is on ``sys.path`` (pytest puts a
conftest's folder there), so tests import ``fixtures`` directly."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# shared_guard: tests needing ../shared skip without it, fail in CI;
# pytester: tests of that plugin run pytest on small generated files.
pytest_plugins = ['shared_guard', 'pytester']


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


@pytest.fixture(scope='session')
def h36m_root(tmp_path_factory):
    """A tiny Human3.6M tree in MMPose's layout, made once per session."""
    from fixtures import make_h36m_fixture
    root = tmp_path_factory.mktemp('h36m')
    make_h36m_fixture(root)
    return root
