"""Human3p6mDataset on fixture files in MMPose's preprocessed layout."""
import os.path as osp
import pickle

import numpy as np
import pytest

from pose3d_toolbox.datasets.base_lifting import SAMPLE_KEYS
from pose3d_toolbox.datasets.h36m import (H36M_ACTIONS, Human3p6mDataset,
                                          normalize_h36m_action,
                                          parse_h36m_imgname)
from pose3d_toolbox.registry import DATASETS
from pose3d_toolbox.utils.camera import camera_to_pixel, camera_to_world
from fixtures import make_h36m_fixture

FRAMES = 30
SERIALS = ('54138969', '55011271', '58860488', '60457274')


@pytest.fixture(scope='module')
def h36m(tmp_path_factory):
    return make_h36m_fixture(tmp_path_factory.mktemp('h36m'),
                             subjects=('S1', 'S5', 'S9'),
                             actions=('Directions', 'Photo', 'WalkDog'),
                             frames=FRAMES, seed=3)


def build(paths, **kwargs):
    return Human3p6mDataset(data_root=paths['data_root'], **kwargs)


def test_sample_layout(h36m):
    ds = build(h36m, seq_len=9)
    # train = S1, S5; 3 actions x 4 cameras each
    assert ds.num_videos == 2 * 3 * 4
    assert len(ds) == 2 * 3 * 4 * FRAMES
    s = ds[0]
    assert set(s) == set(SAMPLE_KEYS)
    assert s['keypoints_2d'].shape == (9, 17, 2)
    assert s['keypoints_3d'].shape == (9, 17, 3)
    assert s['visibility'].shape == (9, 17)
    assert (s['skeleton'], s['root_index'], s['target_index']) == ('h36m',
                                                                   0, 4)
    assert s['img_path'] == osp.join(
        h36m['data_root'], 'images',
        'S1/S1_Directions_1.54138969/S1_Directions_1.54138969_000001.jpg')
    assert set(s['camera']) >= {'R', 'T', 'c', 'f', 'k', 'p', 'w', 'h'}
    assert s['camera']['T'].shape == (3, 1)
    # metres in camera space, the person a few metres in front
    assert 3.5 < s['keypoints_3d'][4, 0, 2] < 6.5


def test_2d_is_projection_of_3d(h36m):
    ds = build(h36m, seq_len=3)
    for i in range(0, len(ds), 97):
        s = ds[i]
        c = s['camera']
        proj = camera_to_pixel(s['keypoints_3d'], c['f'], c['c'], c['k'],
                               c['p'])
        np.testing.assert_allclose(proj, s['keypoints_2d'], atol=1e-2)


def test_2d_is_projection_with_distortion(tmp_path):
    paths = make_h36m_fixture(tmp_path, subjects=('S1', ), actions=1,
                              frames=5, cameras=2, distortion=True)
    s = build(paths)[3]
    c = s['camera']
    assert np.abs(c['k']).sum() > 0
    np.testing.assert_allclose(
        camera_to_pixel(s['keypoints_3d'], c['f'], c['c'], c['k'], c['p']),
        s['keypoints_2d'], atol=1e-2)
    pinhole = camera_to_pixel(s['keypoints_3d'], c['f'], c['c'])
    assert np.abs(pinhole - s['keypoints_2d']).max() > 0.5


def test_cameras_agree_on_the_world_pose(h36m):
    """The same frame seen by two cameras maps to one world pose."""
    ds = build(h36m, subjects=['S5'], actions=['Photo'])
    worlds = {}
    for i in range(len(ds)):
        s = ds[i]
        if s['frame'] == 7:
            c = s['camera']
            worlds[s['camera_id']] = camera_to_world(
                s['keypoints_3d'][0].astype(np.float64), c['R'], c['T'])
    assert sorted(worlds) == sorted(SERIALS)
    for w in worlds.values():
        np.testing.assert_allclose(w, worlds[SERIALS[0]], atol=1e-4)


def test_parsed_metadata(h36m):
    ds = build(h36m)
    meta = {(v['subject'], v['action'], v['camera_id']) for v in ds.videos}
    assert {m[0] for m in meta} == {'S1', 'S5'}
    # S1 spells TakingPhoto / WalkingDog: normalised
    assert {m[1] for m in meta} == {'Directions', 'Photo', 'WalkDog'}
    assert {m[2] for m in meta} == set(SERIALS)
    s1_photo = [v for v in ds.videos
                if v['subject'] == 'S1' and v['action'] == 'Photo']
    assert s1_photo[0]['sequence'] == 'TakingPhoto_1'
    test = build(h36m, ann_file='annotation_body3d/fps50/h36m_test.npz')
    assert {v['subject'] for v in test.videos} == {'S9'}


def test_subject_and_action_filters(h36m):
    full = build(h36m)
    s5 = build(h36m, subjects=['S5'])
    assert len(s5) == len(full) // 2
    assert {s5[i]['subject'] for i in range(0, len(s5), 11)} == {'S5'}
    walk = build(h36m, actions=['WalkingDog'])
    assert {v['action'] for v in walk.videos} == {'WalkDog'}
    with pytest.raises(ValueError, match=r"subjects=\['S7'\] matches nothing; "
                       r"present: \['S1', 'S5'\]"):
        build(h36m, subjects=['S7'])


def test_filters_that_match_nothing_name_the_values_present(h36m):
    # used to load 0 samples and fail later inside the scheduler
    ann = osp.join(h36m['data_root'], 'annotation_body3d/fps50/h36m_train.npz')
    with pytest.raises(ValueError) as e:
        build(h36m, actions=['Walking', 'Eating'])
    assert f"Human3p6mDataset ({ann}): actions=['Walking', 'Eating'] " \
        "matches nothing; present: ['Directions', 'Photo', 'WalkDog']. " \
        'Choose actions among those' in str(e.value), str(e.value)
    with pytest.raises(ValueError) as e:  # --cfg-options subjects=[1]
        build(h36m, subjects=[1])
    assert 'subjects holds the number 1 where a string id is expected, and ' \
        "no id reads as it. Present: ['S1', 'S5']" in str(e.value)


def test_filters_that_never_occur_together(h36m, monkeypatch):
    video_info = Human3p6mDataset.video_info

    def s5_only_eats(self, key, imgname):
        info = video_info(self, key, imgname)
        return dict(info, action='Eating') if info['subject'] == 'S5' \
            else info

    monkeypatch.setattr(Human3p6mDataset, 'video_info', s5_only_eats)
    with pytest.raises(ValueError) as e:
        build(h36m, subjects=['S1'], actions=['Eating'])
    assert "no video has subject in ['S1'] and action in ['Eating']; the " \
        "videos have subject/action ['S1/Directions', 'S1/Photo', " \
        "'S1/WalkDog', 'S5/Eating']: choose values that occur together" \
        in str(e.value), str(e.value)


def test_absent_ids_next_to_present_ones_are_skipped_with_a_warning(h36m):
    with pytest.warns(UserWarning, match=r"subjects \['S7'\] are not in the "
                      r"data and are skipped; present: \['S1', 'S5'\]"):
        ds = build(h36m, subjects=['S7', 'S1'])
    assert {v['subject'] for v in ds.videos} == {'S1'}


def test_centred_causal_padding_and_step(h36m):
    centred = build(h36m, seq_len=9, subjects=['S1'])
    video = centred.videos[0]['keypoints_3d']
    s = centred[0]  # frame 0: four copies of frame 0 before it
    assert s['frame'] == 0 and s['target_index'] == 4
    np.testing.assert_array_equal(s['keypoints_3d'][:5],
                                  np.broadcast_to(video[0], (5, 17, 3)))
    np.testing.assert_array_equal(s['keypoints_3d'][5:], video[1:5])
    last = centred[FRAMES - 1]
    np.testing.assert_array_equal(last['keypoints_3d'][4:],
                                  np.broadcast_to(video[-1], (5, 17, 3)))

    causal = build(h36m, seq_len=9, causal=True, subjects=['S1'])
    for i in range(0, len(causal), 7):
        s = causal[i]
        vi, frames = causal.get_sample_frames(i)
        assert s['target_index'] == 8 and frames.max() == s['frame']
        v = causal.videos[vi]['keypoints_3d']
        np.testing.assert_array_equal(s['keypoints_3d'], v[frames])
        # no row of the sample equals a frame after the target
        for later in v[s['frame'] + 1:]:
            assert not any(np.array_equal(r, later)
                           for r in s['keypoints_3d'])

    stepped = build(h36m, seq_len=9, step=5, subjects=['S1'])
    assert len(stepped) == len(centred) // 5


def test_rows_are_grouped_and_ordered_by_frame_number(h36m, tmp_path):
    """Shuffled npz rows give the same videos and samples."""
    with np.load(h36m['train_ann']) as f:
        ann = dict(f)
    perm = np.random.default_rng(0).permutation(len(ann['imgname']))
    path = str(tmp_path / 'shuffled.npz')
    np.savez(path, **{k: v[perm] for k, v in ann.items()})
    ref = build(h36m, seq_len=5)
    ds = build(h36m, seq_len=5, ann_file=path)
    assert len(ds) == len(ref)
    for i in (0, 33, len(ds) - 1):
        np.testing.assert_array_equal(ds[i]['keypoints_3d'],
                                      ref[i]['keypoints_3d'])
        assert ds[i]['img_path'] == ref[i]['img_path']


def test_fps10_frame_numbers(tmp_path):
    paths = make_h36m_fixture(tmp_path, subjects=('S1', ), actions=1,
                              frames=4, cameras=1, fps=10)
    ds = build(paths, ann_file='annotation_body3d/fps10/h36m_train.npz')
    assert [osp.basename(ds[i]['img_path'])[-10:] for i in range(4)] == [
        '000001.jpg', '000006.jpg', '000011.jpg', '000016.jpg']
    assert [ds[i]['frame'] for i in range(4)] == [0, 1, 2, 3]


def test_detections(h36m):
    gt = build(h36m, seq_len=3)
    det = build(h36m, seq_len=3, keypoint_2d_src='detection',
                keypoint_2d_det_file=h36m['train_det'])
    raw = np.load(h36m['train_det'])
    with np.load(h36m['train_ann']) as f:
        names = list(f['imgname'])
    for i in (0, 50, 301):
        s, g = det[i], gt[i]
        row = names.index(osp.relpath(s['img_path'],
                                      osp.join(h36m['data_root'], 'images')))
        np.testing.assert_allclose(s['keypoints_2d'][1], raw[row, :, :2])
        np.testing.assert_allclose(s['visibility'][1], raw[row, :, 2])
        np.testing.assert_array_equal(s['keypoints_3d'], g['keypoints_3d'])
        assert 0 < np.abs(s['keypoints_2d'] - g['keypoints_2d']).mean() < 10
    # relative to data_root works too
    rel = osp.relpath(h36m['train_det'], h36m['data_root'])
    det_rel = build(h36m, keypoint_2d_src='detection',
                    keypoint_2d_det_file=rel)
    np.testing.assert_array_equal(det_rel[5]['keypoints_2d'],
                                  build(h36m, keypoint_2d_src='detection',
                                        keypoint_2d_det_file=h36m[
                                            'train_det'])[5]['keypoints_2d'])


def test_registry_build(h36m):
    assert DATASETS.get('Human3p6mDataset') is Human3p6mDataset
    ds = DATASETS.build(dict(type='Human3p6mDataset',
                             data_root=h36m['data_root'], seq_len=27,
                             causal=True, max_samples=10))
    assert len(ds) == 10 and ds[0]['keypoints_2d'].shape == (27, 17, 2)


def test_parse_and_normalise_names():
    info = parse_h36m_imgname(
        'S11/S11_WalkTogether_2.60457274/S11_WalkTogether_2.60457274_000123'
        '.jpg')
    assert info == dict(subject='S11', sequence='WalkTogether_2',
                        action='WalkTogether', camera_id='60457274',
                        frame_number=123)
    assert parse_h36m_imgname('S1_SittingDown.54138969_000001.jpg')[
        'action'] == 'SittingDown'
    cases = {'Directions_1': 'Directions', 'Directions': 'Directions',
             'TakingPhoto_1': 'Photo', 'Photo 2': 'Photo',
             'WalkingDog': 'WalkDog', 'Walking_1': 'Walking',
             'WalkTogether': 'WalkTogether', 'SittingDown_2': 'SittingDown',
             'Sitting_1': 'Sitting'}
    for raw, action in cases.items():
        assert normalize_h36m_action(raw) == action
    assert all(normalize_h36m_action(a) == a for a in H36M_ACTIONS)
    with pytest.raises(ValueError, match='unknown Human3.6M action'):
        normalize_h36m_action('Dancing_1')
    with pytest.raises(ValueError, match='does not match'):
        parse_h36m_imgname('S1_Directions_000001.jpg')


# ------------------------------------------------------------------ errors
def _copy_npz(src, dst, drop=None, change=None):
    with np.load(src) as f:
        ann = dict(f)
    if drop:
        ann.pop(drop)
    ann.update(change or {})
    np.savez(dst, **ann)
    return str(dst)


def _assert_hint(excinfo, *words):
    msg = str(excinfo.value)
    assert "see 'Preparing datasets' in README.md" in msg
    for w in words:
        assert w in msg, msg


def test_missing_annotation_file(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        Human3p6mDataset(data_root=str(tmp_path))
    _assert_hint(e, str(tmp_path / 'annotation_body3d/fps50/h36m_train.npz'),
                 'not found')


def test_missing_camera_file(h36m, tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        build(h36m, camera_param_file=str(tmp_path / 'cams.pkl'))
    _assert_hint(e, 'cams.pkl', 'camera file')


@pytest.mark.parametrize('key', ['S', 'part', 'imgname'])
def test_missing_key(h36m, tmp_path, key):
    path = _copy_npz(h36m['train_ann'], tmp_path / 'bad.npz', drop=key)
    with pytest.raises(ValueError) as e:
        build(h36m, ann_file=path)
    _assert_hint(e, path, f"'{key}'", 'missing')


def test_wrong_shape(h36m, tmp_path):
    with np.load(h36m['train_ann']) as f:
        S = f['S']
    path = _copy_npz(h36m['train_ann'], tmp_path / 'bad.npz',
                     change=dict(S=S[:, :16]))
    with pytest.raises(ValueError) as e:
        build(h36m, ann_file=path)
    _assert_hint(e, path, "'S'", 'expected shape')
    path = _copy_npz(h36m['train_ann'], tmp_path / 'bad2.npz',
                     change=dict(part=np.zeros((3, 17, 3))))
    with pytest.raises(ValueError) as e:
        build(h36m, ann_file=path)
    _assert_hint(e, "'part'")


def test_detection_row_mismatch(h36m, tmp_path):
    det = np.load(h36m['train_det'])
    path = str(tmp_path / 'det.npy')
    np.save(path, det[:-1])
    with pytest.raises(ValueError) as e:
        build(h36m, keypoint_2d_src='detection', keypoint_2d_det_file=path)
    _assert_hint(e, path, f'{len(det) - 1} rows', str(len(det)))
    np.save(path, det[:, :15])
    with pytest.raises(ValueError) as e:
        build(h36m, keypoint_2d_src='detection', keypoint_2d_det_file=path)
    _assert_hint(e, path, 'expected shape')


def test_detection_options(h36m, tmp_path):
    with pytest.raises(ValueError, match='needs keypoint_2d_det_file'):
        build(h36m, keypoint_2d_src='detection')
    with pytest.raises(ValueError, match='keypoint_2d_src must be one of'):
        build(h36m, keypoint_2d_src='pipeline')
    with pytest.raises(FileNotFoundError) as e:
        build(h36m, keypoint_2d_src='detection',
              keypoint_2d_det_file=str(tmp_path / 'nope.npy'))
    _assert_hint(e, 'nope.npy')


def test_camera_missing_for_a_video(h36m, tmp_path):
    with open(h36m['camera_file'], 'rb') as f:
        cams = pickle.load(f)
    cams.pop(('S5', '58860488'))
    path = str(tmp_path / 'cameras.pkl')
    with open(path, 'wb') as f:
        pickle.dump(cams, f)
    with pytest.raises(ValueError) as e:
        build(h36m, camera_param_file=path)
    _assert_hint(e, path, "('S5', '58860488')")
    cams[('S5', '58860488')] = dict(R=np.eye(3))
    with open(path, 'wb') as f:
        pickle.dump(cams, f)
    with pytest.raises(ValueError) as e:
        build(h36m, camera_param_file=path)
    _assert_hint(e, path, "'T' is missing")


def test_malformed_image_name(h36m, tmp_path):
    with np.load(h36m['train_ann']) as f:
        names = f['imgname'].copy()
    names[3] = 'S1/S1_Directions_1/garbage.jpg'
    path = _copy_npz(h36m['train_ann'], tmp_path / 'bad.npz',
                     change=dict(imgname=names))
    with pytest.raises(ValueError) as e:
        build(h36m, ann_file=path)
    _assert_hint(e, path, "'imgname'", 'garbage')
