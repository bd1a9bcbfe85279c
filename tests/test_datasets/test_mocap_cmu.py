"""The shipped CMU file, its loader and the converter that makes it."""
import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from shared_guard import SHARED, needs_shared_path

import pose3d_toolbox
from pose3d_toolbox.datasets.mocap import cmu
from pose3d_toolbox.datasets.mocap.asf_amc import asf_amc_to_h36m17
from pose3d_toolbox.datasets.mocap.cmu import (
    CMU_MOCAP_ACKNOWLEDGEMENT, CMU_TEST_SUBJECTS, CMU_TRAIN_SUBJECTS,
    DEFAULT_CMU_MOCAP_PATH, load_cmu_mocap, resample)
from pose3d_toolbox.skeletons import H36M

REPO = Path(__file__).parents[2]
CMU = SHARED / 'data' / 'cmu_mocap'
needs_cmu = needs_shared_path(CMU / 'manifest.json', 'the CMU ASF/AMC files')
J = {name: i for i, name in enumerate(H36M.joint_names)}


def _converter():
    path = REPO / 'tools' / 'dataset_converters' / 'cmu_mocap_to_npz.py'
    spec = importlib.util.spec_from_file_location('cmu_mocap_to_npz', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def shipped():
    return load_cmu_mocap()


@pytest.fixture(scope='module')
def manifest():
    with open(CMU / 'manifest.json') as f:
        return {Path(e['file']).stem: e for e in json.load(f)
                if e['format'] == 'AMC'}


def test_default_path_is_inside_the_package():
    package = Path(pose3d_toolbox.__file__).resolve().parent
    assert DEFAULT_CMU_MOCAP_PATH == package / 'data' / 'cmu_mocap_h36m17.npz'
    assert DEFAULT_CMU_MOCAP_PATH.stat().st_size < 15e6


def test_shipped_file_loads(shipped):
    assert len(shipped) == 166
    assert sum(len(t['keypoints_3d']) for t in shipped) == 42024
    for take in shipped:
        assert set(take) == {'subject', 'take', 'description', 'fps',
                             'keypoints_3d'}
        assert take['take'].startswith(take['subject'] + '_')
        assert take['fps'] == 30.0 and take['description']
        points = take['keypoints_3d']
        assert points.dtype == np.float32 and points.ndim == 3
        assert points.shape[1:] == (17, 3) and len(points) > 0
        assert np.isfinite(points).all()
    assert len({t['take'] for t in shipped}) == 166


def test_all_subjects_present_with_the_split(shipped):
    assert CMU_TRAIN_SUBJECTS == ('05', '06', '09', '10', '16', '105')
    assert CMU_TEST_SUBJECTS == ('02', '13', '49')
    assert not set(CMU_TRAIN_SUBJECTS) & set(CMU_TEST_SUBJECTS)
    subjects = {t['subject'] for t in shipped}
    assert subjects == set(CMU_TRAIN_SUBJECTS) | set(CMU_TEST_SUBJECTS)
    test = load_cmu_mocap(subjects=CMU_TEST_SUBJECTS)
    assert {t['subject'] for t in test} == set(CMU_TEST_SUBJECTS)
    assert len(test) == sum(t['subject'] in CMU_TEST_SUBJECTS
                            for t in shipped)
    frames = {s: sum(len(t['keypoints_3d']) for t in shipped
                     if t['subject'] == s) for s in subjects}
    # "Subject 105 holds about 60% of all frames"
    assert 0.55 < frames['105'] / sum(frames.values()) < 0.65
    with pytest.raises(KeyError, match="'77'"):
        load_cmu_mocap(subjects=['77'])


def test_shipped_positions_are_plausible(shipped):
    # Z-up world: the head above the ankles (bar the cartwheel of 05_06 and
    # a high leg in 05_07)
    points = np.concatenate([t['keypoints_3d'] for t in shipped])
    upright = (points[:, J['head'], None, 2] >
               points[:, [J['left_ankle'], J['right_ankle']], 2]).all(-1)
    assert upright.mean() > 0.999
    for take in shipped:
        points = take['keypoints_3d']
        # the ankles come near the floor (z = 0) in every take
        ankles = points[:, [J['left_ankle'], J['right_ankle']], 2]
        assert -0.05 < ankles.min() < 0.25, take['take']
        thigh = np.linalg.norm(points[:, J['left_hip']] -
                               points[:, J['left_knee']], axis=-1)
        assert 0.3 < thigh.min() and thigh.max() < 0.55
        assert np.ptp(thigh) < 0.003  # rigid up to millimetre rounding


@needs_cmu
def test_frame_counts_and_descriptions_follow_the_manifest(shipped, manifest):
    assert {t['take'] for t in shipped} == set(manifest)
    for take in shipped:
        entry = manifest[take['take']]
        assert take['description'] == entry['description']
        # every 4th of the 120 fps frames, starting with the first
        assert len(take['keypoints_3d']) == (entry['frames'] - 1) // 4 + 1
    with np.load(DEFAULT_CMU_MOCAP_PATH) as data:
        for i, take in enumerate(data['take']):
            assert data['source_frames'][i] == manifest[take]['frames']
            assert data['source_fps'][i] == manifest[take]['fps'] == 120


@needs_cmu
def test_shipped_take_matches_a_fresh_conversion(shipped):
    fresh = asf_amc_to_h36m17(CMU / '02' / '02.asf', CMU / '02' / '02_01.amc')
    stored = next(t for t in shipped if t['take'] == '02_01')
    error = np.linalg.norm(stored['keypoints_3d'] - fresh[::4], axis=-1)
    assert error.max() < 1e-3  # metres


def test_missing_file_names_path_and_command(tmp_path):
    missing = tmp_path / 'nowhere.npz'
    with pytest.raises(FileNotFoundError) as info:
        load_cmu_mocap(missing)
    assert str(missing) in str(info.value)
    assert 'tools/dataset_converters/cmu_mocap_to_npz.py' in str(info.value)


def test_acknowledgement_matches_the_shared_readme():
    lines = CMU_MOCAP_ACKNOWLEDGEMENT.splitlines()
    assert lines == [
        'The data used in this project was obtained from mocap.cs.cmu.edu.',
        'The database was created with funding from NSF EIA-0196217.']
    data_readme = (DEFAULT_CMU_MOCAP_PATH.parent / 'README.md').read_text()
    quoted = [f'> {line}' for line in lines]
    assert all(q in data_readme for q in quoted)
    assert 'cmu_mocap_to_npz.py' in data_readme
    with np.load(DEFAULT_CMU_MOCAP_PATH) as data:
        assert str(data['acknowledgement']) == CMU_MOCAP_ACKNOWLEDGEMENT
    shared_readme = CMU / 'README.md'
    if shared_readme.is_file():
        assert all(q in shared_readme.read_text() for q in quoted)


def test_resample_every_4th_frame_or_interpolate():
    frames = np.arange(10, dtype=np.float64)[:, None] * np.array([1., 2.])
    np.testing.assert_array_equal(resample(frames, 120, 30), frames[::4])
    np.testing.assert_array_equal(resample(frames, 30, 30), frames)
    # 120 -> 50 fps: frame i at source time 2.4 i, linear in between
    out = resample(frames, 120, 50)
    np.testing.assert_allclose(out[:, 0], [0, 2.4, 4.8, 7.2])
    np.testing.assert_allclose(out[:, 1], 2 * out[:, 0])
    assert resample(frames, 120, 240).shape == (19, 2)
    with pytest.raises(ValueError):
        resample(frames, 120, 0)


@needs_cmu
def test_converter_is_deterministic_and_round_trips(tmp_path):
    converter = _converter()
    first, second = tmp_path / 'a.npz', tmp_path / 'b.npz'
    for out in (first, second):
        converter.main(['--src', str(CMU), '--out', str(out), '--takes',
                        '02_01', '105_06', '--fps', '25'])
    assert first.read_bytes() == second.read_bytes()
    takes = load_cmu_mocap(first)
    assert [t['take'] for t in takes] == ['02_01', '105_06']
    assert [t['subject'] for t in takes] == ['02', '105']
    assert takes[1]['description'] == 'MotorCyclePose'
    fresh = resample(asf_amc_to_h36m17(CMU / '02' / '02.asf',
                                       CMU / '02' / '02_01.amc'), 120, 25)
    assert takes[0]['fps'] == 25.0
    assert len(takes[0]['keypoints_3d']) == len(fresh) == 72  # 342/4.8 + 1
    error = np.linalg.norm(takes[0]['keypoints_3d'] - fresh, axis=-1)
    assert error.max() < 0.87e-3


def test_converter_defaults():
    args = _converter().parse_args([])
    assert args.fps == 30.0
    converter = _converter()
    assert converter.DEFAULT_SRC == '../shared/data/cmu_mocap'
    assert converter.DEFAULT_OUT == 'pose3d_toolbox/data/cmu_mocap_h36m17.npz'


@needs_cmu
def test_sha256_mismatch_is_refused(tmp_path):
    src = tmp_path / 'cmu'
    (src / '02').mkdir(parents=True)
    for name in ('02.asf', '02_01.amc'):
        shutil.copy(CMU / '02' / name, src / '02' / name)
    with open(CMU / 'manifest.json') as f:
        entries = {e['file']: e for e in json.load(f)
                   if e['file'] in ('02/02.asf', '02/02_01.amc')}
    (src / 'manifest.json').write_text(json.dumps(list(entries.values())))
    assert len(cmu.convert_cmu_mocap(src)) == 1
    with open(src / '02' / '02_01.amc', 'a') as f:
        f.write('\n')
    with pytest.raises(ValueError, match='02_01.amc: sha256') as info:
        cmu.convert_cmu_mocap(src)
    assert entries['02/02_01.amc']['sha256'] in str(info.value)
    (src / '02' / '02.asf').unlink()
    with pytest.raises(FileNotFoundError, match='02.asf'):
        cmu.convert_cmu_mocap(src)


def test_converter_never_overwrites_without_force(tmp_path):
    # it used to overwrite the shipped, tracked file by default
    converter = _converter()
    src = tmp_path / 'src'  # a source folder (here with no takes)
    src.mkdir()
    (src / 'manifest.json').write_text('[]')
    shipped = DEFAULT_CMU_MOCAP_PATH.read_bytes()
    with pytest.raises(SystemExit) as e:
        converter.main(['--src', str(src)])
    assert str(e.value) == (
        f'{DEFAULT_CMU_MOCAP_PATH} exists (by default the shipped file, '
        'tracked by git); write elsewhere with --out PATH, or pass --force '
        'to overwrite it')
    assert DEFAULT_CMU_MOCAP_PATH.read_bytes() == shipped
    out = tmp_path / 'mine.npz'
    out.write_bytes(b'keep me')
    with pytest.raises(SystemExit, match='mine.npz exists'):
        converter.main(['--src', str(src), '--out', str(out)])
    assert out.read_bytes() == b'keep me'


def test_converter_without_the_shared_folder_names_it_first(tmp_path):
    # Before: without ../shared the default command answered 'pass --force'
    # (the shipped file exists), then a FileNotFoundError traceback.
    converter, missing = _converter(), tmp_path / 'shared' / 'cmu_mocap'
    for argv in (['--src', str(missing)],
                 ['--src', str(missing), '--out', str(tmp_path / 'o.npz'),
                  '--force']):
        with pytest.raises(SystemExit) as e:
            converter.main(argv)
        assert str(e.value).startswith(
            f'cmu_mocap_to_npz.py: the CMU mocap folder {missing} does not '
            'exist. The original ASF/AMC takes come with the shared data '
            'folder beside the repository (../shared/data/cmu_mocap, see its '
            'README); pass its location as --src. Training and testing need '
            'no conversion')
    with pytest.raises(SystemExit, match='no CMU mocap manifest at '
                       f'{tmp_path}/manifest.json'):
        converter.main(['--src', str(tmp_path), '--out', 'x.npz'])
    assert not (tmp_path / 'o.npz').exists()
