"""The ``../shared`` guard: such tests skip in a plain checkout and fail
with POSE3D_REQUIRE_SHARED=1 (what .ci/run sets)."""
from pathlib import Path

import pytest
from shared_guard import REQUIRE_ENV, SHARED

TESTS = f'''
import pytest

@pytest.mark.skipif(True, reason='files not found at {SHARED}/data/x')
def test_reads_shared():
    pass

@pytest.mark.skipif(True, reason='an optional package is missing')
def test_other_skip():
    pass

def test_plain():
    pass
'''


def run(pytester, monkeypatch, require):
    monkeypatch.setenv(REQUIRE_ENV, require)
    pytester.makepyfile(test_guarded=TESTS)
    return pytester.runpytest_subprocess(
        '-p', 'shared_guard', '-p', 'no:cacheprovider',
        '-o', f'pythonpath={Path(__file__).parent}')


def test_a_shared_test_skips_in_a_plain_checkout(pytester, monkeypatch):
    result = run(pytester, monkeypatch, '')
    result.assert_outcomes(passed=1, skipped=2)


def test_a_shared_test_that_skips_fails_in_ci(pytester, monkeypatch):
    result = run(pytester, monkeypatch, '1')
    # the skip happens at setup, so it is reported as an error there
    result.assert_outcomes(passed=1, skipped=1, errors=1)
    assert result.ret != 0
    result.stdout.fnmatch_lines([f'*test_reads_shared needs {SHARED}*'])


def test_ci_script_requires_shared_and_runs_the_readme_command():
    ci = (Path(__file__).parents[1] / '.ci' / 'run').read_text()
    readme = (Path(__file__).parents[1] / 'README.md').read_text()
    command = 'bash tools/install.sh tests && python -m pytest tests'
    assert command in readme
    assert f'export {REQUIRE_ENV}=1' in ci
    assert ci.count(command) == 1


@pytest.mark.needs_shared
def test_the_shared_folder_is_beside_the_repository():
    assert SHARED.is_dir() and (SHARED / 'data').is_dir()


ABSENT = '''
from pathlib import Path

import pytest
import shared_guard

shared_guard.SHARED = Path('/nonexistent/shared')


@pytest.mark.needs_shared
def test_marked():
    pass


@shared_guard.needs_shared_path(shared_guard.SHARED / 'data' / 'x.json',
                                'the x files')
def test_reads_a_file():
    pass
'''


@pytest.mark.parametrize('require', ['', '1'])
def test_without_the_folder_each_message_names_the_path_and_the_fix(
        pytester, monkeypatch, require):
    # Before: 'needs the shared data folder ... (beside the repository)',
    # silent about POSE3D_REQUIRE_SHARED, and each CMU test file spelt its
    # own reason.
    monkeypatch.setenv(REQUIRE_ENV, require)
    pytester.makepyfile(test_absent=ABSENT)
    result = pytester.runpytest_subprocess(
        '-p', 'shared_guard', '-p', 'no:cacheprovider', '-rs',
        '-o', f'pythonpath={Path(__file__).parent}')
    text = ' '.join(result.stdout.str().split())
    for path, what in (('/nonexistent/shared', 'the shared data folder'),
                       ('/nonexistent/shared/data/x.json', 'the x files')):
        assert (f'{what} not found at {path}: put the shared folder '
                '/nonexistent/shared beside the repository') in text
    assert f'a failure with {REQUIRE_ENV}=1 (as in CI)' in text
    if require:
        result.assert_outcomes(errors=2)
        assert text.count('/nonexistent/shared and was skipped') == 2
    else:
        result.assert_outcomes(skipped=2)
