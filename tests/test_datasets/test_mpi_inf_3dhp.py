"""MpiInf3dhpDataset on fixture files in MMPose's preprocessed layout."""
import os.path as osp
import pickle

import numpy as np
import pytest

from pose3d_toolbox.datasets.base_lifting import SAMPLE_KEYS
from pose3d_toolbox.datasets.mpi_inf_3dhp import (MpiInf3dhpDataset,
                                                  mpi_camera_to_toolbox,
                                                  parse_mpi_inf_3dhp_imgname)
from pose3d_toolbox.registry import DATASETS
from pose3d_toolbox.utils.camera import (camera_to_pixel, camera_to_world,
                                         world_to_camera)
from fixtures import make_mpi_inf_3dhp_fixture

FRAMES = 24
TEST = 'annotations/mpi_inf_3dhp_test_valid.npz'


@pytest.fixture(scope='module')
def mpi(tmp_path_factory):
    return make_mpi_inf_3dhp_fixture(
        tmp_path_factory.mktemp('mpi'), subjects=('S1', 'S2'), seqs=2,
        cameras=(0, 4, 8), frames=FRAMES, test_subjects=('TS1', 'TS3', 'TS5'),
        test_frames=25, seed=1)


def build(paths, **kwargs):
    return MpiInf3dhpDataset(data_root=paths['data_root'], **kwargs)


def test_train_samples(mpi):
    ds = build(mpi, seq_len=5)
    assert ds.num_videos == 2 * 2 * 3
    assert len(ds) == 2 * 2 * 3 * FRAMES
    s = ds[0]
    assert set(s) == set(SAMPLE_KEYS)
    assert s['keypoints_2d'].shape == (5, 17, 2)
    assert s['keypoints_3d'].shape == (5, 17, 3)
    assert (s['skeleton'], s['root_index']) == ('mpi_inf_3dhp', 14)
    assert (s['subject'], s['action'], s['camera_id']) == ('S1', 'Seq1', '0')
    assert s['img_path'] == osp.join(mpi['data_root'], 'images',
                                     'S1_Seq1_Cam0_000001.jpg')
    assert 3.5 < s['keypoints_3d'][2, 14, 2] < 6.5  # pelvis depth, metres
    np.testing.assert_array_equal(s['visibility'], 1)
    meta = {(v['subject'], v['action'], v['camera_id']) for v in ds.videos}
    assert meta == {(f'S{s}', f'Seq{q}', c) for s in (1, 2) for q in (1, 2)
                    for c in ('0', '4', '8')}


@pytest.mark.parametrize('ann_file', [None, TEST])
def test_2d_is_projection_of_3d(mpi, ann_file):
    kwargs = dict(ann_file=ann_file) if ann_file else {}
    ds = build(mpi, seq_len=3, **kwargs)
    for i in range(0, len(ds), 13):
        s = ds[i]
        c = s['camera']
        np.testing.assert_allclose(
            camera_to_pixel(s['keypoints_3d'], c['f'], c['c']),
            s['keypoints_2d'], atol=1e-2)


def test_train_cameras_converted_to_toolbox_convention(mpi):
    """World-to-camera MPI extrinsics are converted: all cameras of a
    sequence agree on the world pose of a frame."""
    ds = build(mpi, subjects=['S2'])
    worlds = []
    for video in ds.videos:
        if video['action'] == 'Seq2':
            c = video['camera']
            worlds.append(camera_to_world(
                video['keypoints_3d'][9].astype(np.float64), c['R'], c['T']))
    assert len(worlds) == 3
    for w in worlds[1:]:
        np.testing.assert_allclose(w, worlds[0], atol=1e-4)


def test_mpi_camera_conversion_roundtrip():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    raw = dict(R=q, T=rng.normal(size=(3, 1)), f=[[1.], [1.]], c=[[0.], [0.]],
               w=1, h=1)
    cam = mpi_camera_to_toolbox(raw)
    X = rng.normal(size=(5, 3))
    np.testing.assert_allclose(world_to_camera(X, cam['R'], cam['T']),
                               X @ q.T + raw['T'].T, atol=1e-12)
    test_cam = mpi_camera_to_toolbox(dict(f=[[1.], [1.]], c=[[0.], [0.]]))
    np.testing.assert_array_equal(test_cam['R'], np.eye(3))
    np.testing.assert_array_equal(test_cam['T'], np.zeros((3, 1)))


def test_test_split(mpi):
    ds = build(mpi, ann_file=TEST, seq_len=3, causal=True)
    meta = [(v['subject'], v['action'], v['camera_id'], v['num_frames'])
            for v in ds.videos]
    # every 10th frame number is missing (invalid frames)
    assert meta == [('TS1', 'GS', 'TS1', 23), ('TS3', 'noGS', 'TS3', 23),
                    ('TS5', 'Outdoor', 'TS5', 23)]
    s = ds[9]
    assert s['img_path'].endswith('TS1_000011.jpg')  # 000010 is skipped
    np.testing.assert_array_equal(s['camera']['R'], np.eye(3))
    assert (s['camera']['w'], s['camera']['h']) == (2048, 2048)
    assert ds.videos[2]['camera']['w'] == 1920
    assert len(build(mpi, ann_file=TEST, subjects=['TS5'])) == 23


def test_test_subjects_that_match_nothing(mpi):
    with pytest.raises(ValueError, match=r"subjects=\['TS2'\] matches "
                       r"nothing; present: \['TS1', 'TS3', 'TS5'\]"):
        build(mpi, ann_file='annotations/mpi_inf_3dhp_test_valid.npz',
              subjects=['TS2'])


def test_rows_sorted_by_frame_number(mpi, tmp_path):
    with np.load(mpi['test_ann']) as f:
        ann = dict(f)
    perm = np.random.default_rng(0).permutation(len(ann['imgname']))
    path = str(tmp_path / 'mpi_inf_3dhp_test_shuffled.npz')
    np.savez(path, **{k: v[perm] for k, v in ann.items()})
    ref = build(mpi, ann_file=TEST, seq_len=5)
    ds = build(mpi, ann_file=path, seq_len=5)
    for i in (0, 17, len(ds) - 1):
        np.testing.assert_array_equal(ds[i]['keypoints_2d'],
                                      ref[i]['keypoints_2d'])


def test_visibility_from_part(mpi, tmp_path):
    with np.load(mpi['train_ann']) as f:
        ann = dict(f)
    ann['part'][0, 3, 2] = 0  # S1_Seq1_Cam0 frame 0, joint 3 outside
    path = str(tmp_path / 'train.npz')
    np.savez(path, **ann)
    s = build(mpi, ann_file=path, camera_param_file=mpi['train_camera_file'],
              seq_len=3)[0]
    assert s['visibility'][1, 3] == 0 and s['visibility'][2, 3] == 1
    assert s['visibility'].sum() == 3 * 17 - 2  # frame 0 padded twice


def test_detections_and_causal(mpi):
    det = build(mpi, seq_len=4, causal=True, keypoint_2d_src='detection',
                keypoint_2d_det_file=mpi['train_det'])
    gt = build(mpi, seq_len=4, causal=True)
    raw = np.load(mpi['train_det'])
    np.testing.assert_allclose(det[0]['keypoints_2d'][-1], raw[0, :, :2])
    np.testing.assert_allclose(det[0]['visibility'][-1], raw[0, :, 2])
    assert not np.allclose(det[5]['keypoints_2d'], gt[5]['keypoints_2d'])
    for i in range(0, len(det), 5):
        vi, frames = det.get_sample_frames(i)
        assert frames.max() == det[i]['frame'] == frames[-1]


def test_registry_build(mpi):
    assert DATASETS.get('MpiInf3dhpDataset') is MpiInf3dhpDataset
    ds = DATASETS.build(dict(type='MpiInf3dhpDataset',
                             data_root=mpi['data_root'], ann_file=TEST,
                             step=4, subset_frac=0.5))
    assert len(ds) == int(3 * 6 * 0.5)  # ceil(23 / 4) = 6 targets a video


def test_parse_names():
    assert parse_mpi_inf_3dhp_imgname('S8_Seq2_Cam7_006054.jpg') == dict(
        subject='S8', sequence='Seq2', camera='Cam7',
        camera_key='S8_Seq2_Cam7', frame_number=6054)
    assert parse_mpi_inf_3dhp_imgname('TS6_000492.jpg') == dict(
        subject='TS6', sequence='', camera='', camera_key='TS6',
        frame_number=492)
    for bad in ('S1_Seq1_000001.jpg', 'TS1_x.jpg', 'img_000001.jpg'):
        with pytest.raises(ValueError, match='matches neither'):
            parse_mpi_inf_3dhp_imgname(bad)


# ------------------------------------------------------------------ errors
HINT = "see 'Preparing datasets' in README.md"


def test_missing_files(mpi, tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        MpiInf3dhpDataset(data_root=str(tmp_path))
    assert 'mpi_inf_3dhp_train.npz' in str(e.value) and HINT in str(e.value)
    with pytest.raises(FileNotFoundError) as e:
        build(mpi, camera_param_file=str(tmp_path / 'cameras_train.pkl'))
    assert str(tmp_path / 'cameras_train.pkl') in str(e.value)
    assert HINT in str(e.value)


def test_missing_key_and_row_mismatch(mpi, tmp_path):
    with np.load(mpi['train_ann']) as f:
        ann = dict(f)
    ann.pop('part')
    path = str(tmp_path / 'train.npz')
    np.savez(path, **ann)
    with pytest.raises(ValueError) as e:
        build(mpi, ann_file=path, camera_param_file=mpi['train_camera_file'])
    assert path in str(e.value) and "'part'" in str(e.value)
    assert HINT in str(e.value)

    det = str(tmp_path / 'det.npy')
    np.save(det, np.load(mpi['train_det'])[:10])
    with pytest.raises(ValueError) as e:
        build(mpi, keypoint_2d_src='detection', keypoint_2d_det_file=det)
    assert det in str(e.value) and '10 rows' in str(e.value)
    assert HINT in str(e.value)


def test_camera_key_missing(mpi, tmp_path):
    with open(mpi['test_camera_file'], 'rb') as f:
        cams = pickle.load(f)
    cams.pop('TS3')
    path = str(tmp_path / 'cameras_test.pkl')
    with open(path, 'wb') as f:
        pickle.dump(cams, f)
    with pytest.raises(ValueError) as e:
        build(mpi, ann_file=TEST, camera_param_file=path)
    assert path in str(e.value) and "'TS3'" in str(e.value)
    assert HINT in str(e.value)


def test_bad_image_name(mpi, tmp_path):
    with np.load(mpi['test_ann']) as f:
        ann = dict(f)
    ann['imgname'][4] = 'frame_4.jpg'
    path = str(tmp_path / 'mpi_inf_3dhp_test_valid.npz')
    np.savez(path, **ann)
    with pytest.raises(ValueError) as e:
        build(mpi, ann_file=path)
    assert 'row 4' in str(e.value) and "'imgname'" in str(e.value)
    assert HINT in str(e.value)
