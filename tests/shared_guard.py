"""pytest plugin: tests that need ``../shared`` skip without it, except in
CI, where such a skip is a failure.

A test needs the shared folder (``../shared`` beside the repository: the
CMU ASF/AMC takes, the papers) if it is marked ``needs_shared`` or carries
a ``skipif`` whose reason names that folder's path. Without the folder
such a test is skipped, so a plain checkout passes; with
``POSE3D_REQUIRE_SHARED=1`` (set by ``.ci/run``, where the folder is
present) the skip is reported as a failure that names the missing path, so
CI never passes by skipping them.
"""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / 'shared'
REQUIRE_ENV = 'POSE3D_REQUIRE_SHARED'


def missing_reason(path, what: str = 'the shared data folder') -> str:
    """The skip reason of a test that needs ``path`` (under :data:`SHARED`):
    the path expected, where the folder goes and that ``REQUIRE_ENV=1``
    turns the skip into a failure."""
    return (f'{what} not found at {path}: put the shared folder {SHARED} '
            'beside the repository (its data/cmu_mocap/README.md lists the '
            'CMU files) to run this test; skipped without it, a failure '
            f'with {REQUIRE_ENV}=1 (as in CI)')


def needs_shared_path(path, what: str = 'the shared data folder'):
    """``skipif`` marker for a test that reads ``path`` under
    :data:`SHARED` (a file or folder): skipped with :func:`missing_reason`
    when it is absent."""
    return pytest.mark.skipif(not Path(path).exists(),
                              reason=missing_reason(path, what))


def required() -> bool:
    """Whether a skipped test that needs ``../shared`` fails the run."""
    return os.environ.get(REQUIRE_ENV, '') not in ('', '0')


def needs_shared(item) -> bool:
    if item.get_closest_marker('needs_shared') is not None:
        return True
    return any(str(SHARED) in str(mark.kwargs.get('reason', ''))
               for mark in item.iter_markers('skipif'))


def pytest_configure(config):
    config.addinivalue_line(
        'markers', f'needs_shared: the test reads {SHARED}; skipped without '
        f'it, a failure with {REQUIRE_ENV}=1 (CI)')


def pytest_runtest_setup(item):
    if item.get_closest_marker('needs_shared') and not SHARED.is_dir():
        pytest.skip(missing_reason(SHARED))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and required() and needs_shared(item):
        reason = (report.longrepr[2] if isinstance(report.longrepr, tuple)
                  else str(report.longrepr))
        report.outcome = 'failed'
        report.longrepr = (
            f'{item.nodeid} needs {SHARED} and was skipped ({reason}); '
            f'{REQUIRE_ENV}=1 (CI) requires it: put the shared folder '
            'beside the repository, or unset the variable outside CI')
