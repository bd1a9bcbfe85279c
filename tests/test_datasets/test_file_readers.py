"""The readers of dataset files (pose3d_toolbox.datasets.file_readers) on
hand-written files: what they return, and errors that name the file, the
key and the fix. The camera reader never runs code from the file, whether
called directly or through a dataset."""
import pickle

import numpy as np
import pytest
from fixtures import make_h36m_fixture, make_mpi_inf_3dhp_fixture
from malicious import malicious_pickle

from pose3d_toolbox.datasets import Human3p6mDataset, MpiInf3dhpDataset
from pose3d_toolbox.datasets.file_readers import (PREPARE_HINT,
                                                  checked_camera,
                                                  load_camera_file,
                                                  load_detection_file,
                                                  load_npz_annotation,
                                                  load_npz_keypoints)
from pose3d_toolbox.fileio import UnsafePickleError

J = 3
CAMERA = dict(R=np.eye(3), T=np.zeros((3, 1)), f=np.full((2, 1), 1000.),
              c=np.full((2, 1), 500.), w=1000, h=1000)


def write_npz(path, n=2, **change):
    part = np.arange(n * J * 3, dtype=np.float32).reshape(n, J, 3)
    S = np.arange(n * J * 4, dtype=np.float32).reshape(n, J, 4) / 10
    arrays = dict(imgname=np.array([f'a_{i + 1:06d}.jpg' for i in range(n)]),
                  part=part, S=S, center=np.zeros((n, 2)), scale=np.ones(n))
    arrays.update(change)
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return str(path)


def assert_names(excinfo, *words):
    msg = str(excinfo.value)
    for w in words + (PREPARE_HINT, ):
        assert w in msg, msg


def test_npz_annotation_and_its_keypoints(tmp_path):
    path = write_npz(tmp_path / 'ann.npz')
    ann = load_npz_annotation(path, J)
    assert sorted(ann) == ['S', 'center', 'imgname', 'part', 'scale']
    rows = load_npz_keypoints(path, J)
    np.testing.assert_array_equal(rows['keypoints_2d'][1, 2], [15, 16])
    np.testing.assert_array_equal(rows['visibility'][1], [11, 14, 17])
    np.testing.assert_allclose(rows['keypoints_3d'][0, 1], [0.4, 0.5, 0.6])
    assert rows['keypoints_2d_score'] is None


@pytest.mark.parametrize('change, words', [
    (dict(S=None), ("'S'", 'missing')),
    (dict(part=np.zeros((2, 4, 3))), ("'part'", 'expected shape (2, 3, 2) '
                                      'or (2, 3, 3)')),
    (dict(scale=np.ones(3)), ("'scale'", 'has 3 rows, expected one per '
                              'image (N = 2 rows')),
    (dict(imgname=np.array([['a'], ['b']])), ("'imgname'", 'shape (N,)'))])
def test_npz_annotation_errors(tmp_path, change, words):
    path = write_npz(tmp_path / 'ann.npz', **change)
    with pytest.raises(ValueError) as e:
        load_npz_annotation(path, J)
    assert_names(e, path, *words)


def test_empty_npz_is_refused(tmp_path):
    # used to load, then fail inside the scheduler
    path = write_npz(tmp_path / 'ann.npz', n=0)
    with pytest.raises(ValueError) as e:
        load_npz_annotation(path, J)
    assert_names(e, path, "(key 'imgname')", 'holds no rows (an empty '
                 'annotation file); re-create it')


@pytest.mark.parametrize('key', ['part', 'S'])
@pytest.mark.parametrize('value', [np.nan, -np.inf])
def test_non_finite_npz_values_name_file_key_row_image_and_joint(
        tmp_path, key, value):
    arr = np.ones((4, J, 3 if key == 'part' else 4), np.float32)
    arr[2, 1, 0] = arr[3, 0, 1] = value
    path = write_npz(tmp_path / 'ann.npz', n=4, **{key: arr})
    with pytest.raises(ValueError) as e:
        load_npz_annotation(path, J)
    assert f"{path} (key '{key}'): {value} at row 2 (imgname " \
        f"'a_000003.jpg'), joint 1; 2 of 4 rows hold NaN or inf. Drop or " \
        'repair those rows' in str(e.value), str(e.value)


def test_wrong_joint_count_names_the_skeletons_that_fit(tmp_path):
    path = write_npz(tmp_path / 'ann.npz', part=np.zeros((2, 16, 3)),
                     S=np.zeros((2, 16, 4)))
    with pytest.raises(ValueError) as e:
        load_npz_annotation(path, 17)
    assert_names(e, path, "(key 'part')", 'got (2, 16, 3); the file has 16 '
                 "joints, the skeleton 17: set the dataset's skeleton= to "
                 "one with 16 joints ('mpii')")


def test_npz_annotation_missing_or_unreadable(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        load_npz_annotation(str(tmp_path / 'none.npz'), J)
    assert_names(e, 'none.npz', 'annotation file not found')
    bad = tmp_path / 'bad.npz'
    bad.write_bytes(b'not a zip')
    with pytest.raises(ValueError) as e:
        load_npz_annotation(str(bad), J)
    assert_names(e, str(bad), 'cannot be read as .npz')


def test_detections_replace_the_2d(tmp_path):
    ann = write_npz(tmp_path / 'ann.npz')
    det = np.zeros((2, J, 3), np.float32)
    det[..., 0], det[..., 2] = 7, 0.25
    np.save(tmp_path / 'det.npy', det)
    rows = load_npz_keypoints(ann, J, 'detection', str(tmp_path / 'det.npy'))
    np.testing.assert_array_equal(rows['keypoints_2d'][..., 0], 7)
    np.testing.assert_array_equal(rows['keypoints_2d_score'], 0.25)
    kp, score = load_detection_file(str(tmp_path / 'det.npy'), 2, J)
    assert kp.shape == (2, J, 2) and kp.flags.c_contiguous
    np.save(tmp_path / 'det2.npy', det[..., :2])
    assert load_detection_file(str(tmp_path / 'det2.npy'), 2, J)[1] is None


def test_detection_errors(tmp_path):
    path = str(tmp_path / 'det.npy')
    np.save(path, np.zeros((3, J, 3)))
    with pytest.raises(ValueError) as e:
        load_detection_file(path, 2, J)
    assert_names(e, path, '3 rows', 'the annotation file has 2')
    np.save(path, np.zeros((2, J + 1, 3)))
    with pytest.raises(ValueError) as e:
        load_detection_file(path, 2, J)
    assert_names(e, path, f'expected shape (N, {J}, 2)')
    det = np.zeros((2, J, 3))
    det[1, 2, 2] = np.nan
    np.save(path, det)
    with pytest.raises(ValueError) as e:
        load_detection_file(path, 2, J)
    assert f"{path} (key 'detections'): nan at row 1, joint 2" in str(e.value)
    np.save(path, np.array([dict()]), allow_pickle=True)  # object array
    with pytest.raises(ValueError) as e:
        load_detection_file(path, 2, J)
    assert_names(e, path, 'cannot be read as .npy')


def test_camera_file_and_one_camera(tmp_path):
    path = tmp_path / 'cameras.pkl'
    path.write_bytes(pickle.dumps({('S1', '1'): CAMERA, 'bad': [1]}))
    cameras = load_camera_file(str(path))
    cam = checked_camera(cameras, ('S1', '1'), str(path))
    np.testing.assert_array_equal(cam['f'], CAMERA['f'])
    shifted = checked_camera(
        cameras, ('S1', '1'), str(path),
        convert=lambda c: dict(c, T=np.ones((3, 1))))
    np.testing.assert_array_equal(shifted['T'], np.ones((3, 1)))
    with pytest.raises(ValueError) as e:
        checked_camera(cameras, ('S9', '1'), str(path), ' (used by S9)')
    assert_names(e, str(path), "('S9', '1')", 'used by S9',
                 "keys look like ('S1', '1')", 'check that camera_param_file= '
                 'is the camera file of this annotation file')
    with pytest.raises(ValueError) as e:
        checked_camera(cameras, 'bad', str(path))
    assert_names(e, str(path), "'bad'", 'expected a camera dict')


def test_camera_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        load_camera_file(str(tmp_path / 'none.pkl'))
    assert_names(e, 'none.pkl', 'camera file not found')
    path = tmp_path / 'list.pkl'
    path.write_bytes(pickle.dumps([CAMERA]))
    with pytest.raises(ValueError) as e:
        load_camera_file(str(path))
    assert_names(e, str(path), 'expected a dict of cameras, got list')
    path.write_bytes(b'garbage')
    with pytest.raises(ValueError) as e:
        load_camera_file(str(path))
    assert_names(e, str(path), 'cannot be unpickled')


def evil_camera_file(path, marker):
    """A camera file whose one camera's ``T`` runs ``touch marker``."""
    path.write_bytes(malicious_pickle(
        marker, lambda payload: {('S1', '54138969'): dict(CAMERA, T=payload)}))
    return str(path)


def test_camera_file_runs_no_code(tmp_path):
    path = evil_camera_file(tmp_path / 'cameras.pkl', tmp_path / 'ran')
    with pytest.raises(UnsafePickleError) as e:
        load_camera_file(path)
    assert path in str(e.value) and 'malicious' in str(e.value)
    assert 'posix.system' in str(e.value)
    assert not (tmp_path / 'ran').exists()


@pytest.mark.parametrize('dataset, make, camera_file', [
    (Human3p6mDataset, make_h36m_fixture, 'annotation_body3d/cameras.pkl'),
    (MpiInf3dhpDataset, make_mpi_inf_3dhp_fixture,
     'annotations/cameras_train.pkl')], ids=['h36m', 'mpi_inf_3dhp'])
def test_dataset_with_a_malicious_camera_file(tmp_path, dataset, make,
                                              camera_file):
    root = tmp_path / 'data'
    make(root, frames=4, detections=False)
    path = evil_camera_file(root / camera_file, tmp_path / 'ran')
    with pytest.raises(UnsafePickleError) as e:
        dataset(data_root=str(root))
    assert path in str(e.value) and 'posix.system' in str(e.value)
    assert not (tmp_path / 'ran').exists()
