"""BaseLiftingDataset: windows, padding, causality, subsets, validation.

Videos here encode their frame index in the data (``keypoints_2d[t, :, 0] ==
t``), so a sample's content tells exactly which frames it gathered.
"""
import numpy as np
import pytest

from pose3d_toolbox.datasets.base_lifting import (SAMPLE_KEYS,
                                                  BaseLiftingDataset)
from pose3d_toolbox.registry import DATASETS

J = 17
CAMERA = dict(R=np.eye(3), T=np.zeros((3, 1)), f=[[1000.], [1000.]],
              c=[[500.], [500.]], w=1000, h=1000)


def make_video(T, vid=0, **extra):
    t = np.arange(T, dtype=np.float32)
    kp2d = np.zeros((T, J, 2), np.float32)
    kp2d[..., 0] = t[:, None]
    kp2d[..., 1] = vid
    kp3d = np.zeros((T, J, 3), np.float32)
    kp3d[..., 0] = t[:, None]
    kp3d[..., 1] = np.arange(J)
    kp3d[..., 2] = 5 + vid
    video = dict(keypoints_2d=kp2d, keypoints_3d=kp3d, camera=dict(CAMERA),
                 subject=f'S{vid}', action='Walking', camera_id=str(vid),
                 img_paths=[f'v{vid}/{i:06d}.jpg' for i in range(T)])
    video.update(extra)
    return video


def frames_of(sample):
    return sample['keypoints_2d'][:, 0, 0].astype(int).tolist()


LENGTHS = (12, 7)


def make(**kwargs):
    videos = [make_video(T, vid) for vid, T in enumerate(LENGTHS)]
    return BaseLiftingDataset(videos=videos, **kwargs)


def test_single_frame_samples_have_exact_keys_and_shapes():
    ds = make()
    assert len(ds) == sum(LENGTHS)
    s = ds[13]  # second video, frame 1
    assert set(s) == set(SAMPLE_KEYS)
    assert s['keypoints_2d'].shape == (1, J, 2)
    assert s['keypoints_3d'].shape == (1, J, 3)
    assert s['visibility'].shape == (1, J)
    assert s['keypoints_2d'].dtype == np.float32
    assert (s['target_index'], s['frame'], s['sample_idx']) == (0, 1, 13)
    assert (s['subject'], s['action'], s['camera_id']) == ('S1', 'Walking',
                                                          '1')
    assert s['img_path'] == 'v1/000001.jpg'
    assert (s['skeleton'], s['root_index']) == ('h36m', 0)
    np.testing.assert_array_equal(s['visibility'], 1)
    np.testing.assert_array_equal(s['camera']['f'], [[1000.], [1000.]])
    np.testing.assert_array_equal(s['keypoints_3d'][0, :, 1], np.arange(J))


def test_centred_window_and_edge_padding():
    ds = make(seq_len=5)
    assert ds[0]['target_index'] == 2
    assert frames_of(ds[6]) == [4, 5, 6, 7, 8]
    assert frames_of(ds[0]) == [0, 0, 0, 1, 2]  # first frame repeated
    assert frames_of(ds[11]) == [9, 10, 11, 11, 11]  # last frame repeated
    # padded edges are exact copies of the edge frame
    s = ds[0]
    np.testing.assert_array_equal(s['keypoints_3d'][0], s['keypoints_3d'][2])
    # windows never cross into the next video
    assert frames_of(ds[12]) == [0, 0, 0, 1, 2]
    assert ds[12]['keypoints_2d'][0, 0, 1] == 1


def test_even_centred_window_has_one_more_past_frame():
    ds = make(seq_len=4)
    assert ds[0]['target_index'] == 2
    assert frames_of(ds[5]) == [3, 4, 5, 6]


@pytest.mark.parametrize('seq_len', [1, 2, 5, 9])
def test_causal_target_is_last_and_never_sees_the_future(seq_len):
    ds = make(seq_len=seq_len, causal=True)
    assert len(ds) == sum(LENGTHS)
    for i in range(len(ds)):
        s = ds[i]
        assert s['target_index'] == seq_len - 1
        f = frames_of(s)
        assert f[-1] == s['frame']
        assert max(f) == s['frame']  # nothing after the target
        vi, idx = ds.get_sample_frames(i)
        assert idx.max() <= s['frame']
    assert frames_of(ds[0]) == [0] * seq_len


def test_target_frame_is_at_target_index():
    for causal in (False, True):
        ds = make(seq_len=7, causal=causal)
        for i in range(len(ds)):
            s = ds[i]
            assert frames_of(s)[s['target_index']] == s['frame']


def test_frame_interval_spaces_the_window():
    ds = make(seq_len=3, frame_interval=2)
    assert frames_of(ds[5]) == [3, 5, 7]
    assert frames_of(ds[1]) == [0, 1, 3]


def test_step_subsamples_targets():
    ds = make(seq_len=3, step=3)
    assert len(ds) == 4 + 3  # ceil(12 / 3) + ceil(7 / 3)
    assert [ds[i]['frame'] for i in range(len(ds))] == [0, 3, 6, 9, 0, 3, 6]
    assert frames_of(ds[1]) == [2, 3, 4]  # windows still use every frame


def test_no_padding_keeps_only_full_windows():
    ds = make(seq_len=5, pad=False)
    assert len(ds) == (12 - 4) + (7 - 4)
    for i in range(len(ds)):
        f = frames_of(ds[i])
        assert f == list(range(f[0], f[0] + 5))
    causal = make(seq_len=5, causal=True, pad=False)
    assert causal[0]['frame'] == 4


def test_subset_frac_and_max_samples_are_even_and_deterministic():
    full = make()
    half = make(subset_frac=0.5)
    assert len(half) == int(len(full) * 0.5)
    assert half.targets.tolist() == make(subset_frac=0.5).targets.tolist()
    assert {v for v, _ in half.targets.tolist()} == {0, 1}  # both videos
    few = make(max_samples=4)
    assert len(few) == 4
    assert len(make(max_samples=1000)) == len(full)
    assert len(make(subset_frac=0.5, max_samples=3)) == 3


def test_indices_and_subsets():
    ds = make(indices=[3, 15])
    assert [ds[i]['frame'] for i in range(2)] == [3, 3]
    assert len(make(indices=5)) == 5
    full = make(seq_len=3)
    sub = full.get_subset([0, 14])
    assert len(sub) == 2 and len(full) == 19
    assert frames_of(sub[1]) == [1, 2, 3]
    assert sub.videos is full.videos  # shared, not copied
    full.get_subset_(-2)
    assert [full[i]['frame'] for i in range(2)] == [5, 6]


def test_visibility_prefers_scores_then_visibility():
    T = 6
    vis = np.full((T, J), 0.5, np.float32)
    score = np.full((T, J), 0.8, np.float32)
    ds = BaseLiftingDataset(videos=[make_video(T, visibility=vis)])
    np.testing.assert_allclose(ds[0]['visibility'], 0.5)
    ds = BaseLiftingDataset(
        videos=[make_video(T, visibility=vis, keypoints_2d_score=score)])
    np.testing.assert_allclose(ds[0]['visibility'], 0.8)


def test_samples_are_copies_and_videos_read_only():
    """Keypoints are the sample's own; the camera's arrays are the video's,
    shared by every sample (no copy per sample) and read-only, while the
    sample's camera dict is its own (a transform may replace a key)."""
    ds = make(seq_len=3)
    s = ds[4]
    s['keypoints_2d'][:] = -1
    with pytest.raises(ValueError, match='read-only'):
        s['camera']['f'][:] = 0
    s['camera']['f'] = np.zeros((2, 1))
    assert frames_of(ds[4]) == [3, 4, 5]
    assert ds[4]['camera']['f'][0, 0] == 1000
    assert ds[4]['camera']['R'] is ds.videos[0]['camera']['R']
    with pytest.raises(ValueError):
        ds.videos[0]['keypoints_3d'][0, 0, 0] = 1


def test_img_path_prefix_and_missing_paths():
    ds = make(data_prefix=dict(img='/data/images'))
    assert ds[0]['img_path'] == '/data/images/v0/000000.jpg'
    ds = BaseLiftingDataset(videos=[make_video(4, img_paths=None)])
    assert ds[0]['img_path'] == ''


def test_pipeline_is_applied():
    def transform(results):
        results['n_frames'] = len(results['keypoints_2d'])
        return results

    ds = make(seq_len=3, pipeline=[transform])
    assert ds[0]['n_frames'] == 3
    assert 'n_frames' not in ds.get_data_info(0)


def test_subclass_hook_and_lazy_init():
    calls = []

    class Toy(BaseLiftingDataset):
        def load_videos(self):
            calls.append(1)
            return [make_video(5)]

    ds = Toy(lazy_init=True, seq_len=3)
    assert not calls
    assert len(ds) == 5 and ds[4]['frame'] == 4
    ds.full_init()
    assert calls == [1]
    with pytest.raises(NotImplementedError, match='load_videos'):
        BaseLiftingDataset()


def test_registered_and_buildable():
    assert DATASETS.get('BaseLiftingDataset') is BaseLiftingDataset
    ds = DATASETS.build(dict(type='BaseLiftingDataset',
                             videos=[make_video(4)], seq_len=3, causal=True))
    assert isinstance(ds, BaseLiftingDataset) and len(ds) == 4


def test_metainfo_and_skeleton():
    ds = make()
    assert ds.metainfo['skeleton'] == 'h36m'
    assert ds.metainfo['num_joints'] == J
    with pytest.raises(ValueError, match="'hemlets' has 18 joints"):
        BaseLiftingDataset(videos=[make_video(4)], skeleton='hemlets')


def test_empty_dataset_is_refused_at_load():
    # used to load with len 0 and fail later inside the scheduler
    with pytest.raises(ValueError, match='BaseLiftingDataset: no videos to '
                       'load; check the dataset options and files'):
        BaseLiftingDataset(videos=[])
    with pytest.raises(ValueError, match=r"video 1 \(subject 'S1'.*no frames"
                       r".*drop the empty video"):
        BaseLiftingDataset(videos=[make_video(4), make_video(0, 1)])


def test_pad_false_without_a_long_enough_video_names_the_setting():
    # used to load with len 0 (ZeroDivisionError later in the scheduler)
    with pytest.raises(ValueError) as e:
        BaseLiftingDataset(videos=[make_video(3), make_video(4, 1)],
                           seq_len=3, frame_interval=2, pad=False)
    msg = str(e.value)
    assert 'pad=False needs videos of at least 5 frames (seq_len=3, ' \
        'frame_interval=2); the longest video has 4 frames' in msg
    assert 'set pad=True' in msg and 'shorter seq_len' in msg


def test_pad_false_skips_short_videos_with_a_warning():
    with pytest.warns(UserWarning, match=r"1 of 2 videos are shorter and "
                      r"skipped \(first: video 1, subject 'S1'.*7 frames\);"
                      r" to keep them set pad=True"):
        ds = BaseLiftingDataset(videos=[make_video(12), make_video(7, 1)],
                                seq_len=9, pad=False)
    assert ds.targets.tolist() == [[0, 4], [0, 5], [0, 6], [0, 7]]


@pytest.mark.parametrize('key, shape, at', [
    ('keypoints_3d', (5, J, 3), (3, 7)),
    ('keypoints_2d', (5, J, 2), (0, 16)),
    ('visibility', (5, J), (4, 2))])
@pytest.mark.parametrize('value', [np.nan, np.inf])
def test_non_finite_values_name_video_key_frame_and_joint(key, shape, at,
                                                          value):
    arr = np.ones(shape, np.float32)
    arr[at] = value
    arr[at[0] + 1:, 0] = value  # later rows are not the first
    with pytest.raises(ValueError) as e:
        BaseLiftingDataset(videos=[make_video(5), make_video(5, 1,
                                                             **{key: arr})])
    msg = str(e.value)
    assert f"video 1 (subject 'S1', action 'Walking', camera '1') (key " \
        f"'{key}'): {value} at frame {at[0]}, joint {at[1]}; " \
        f'{5 - at[0]} of 5 frames hold NaN or inf' in msg, msg
    assert 'Drop or repair those frames' in msg


@pytest.mark.parametrize('change, message', [
    (dict(keypoints_3d=np.zeros((6, J, 3))), "'keypoints_3d' has 6 frames "
     "but 'keypoints_2d' has 5; every array of a video needs one row per "
     'frame'),
    (dict(keypoints_2d=np.zeros((5, 16, 2)), keypoints_3d=np.zeros(
        (5, 16, 3))), "has shape (5, 16, 2), expected (5, 17, 2) (skeleton "
     "'h36m' has 17 joints): set the dataset's skeleton= to one with 16 "
     "joints ('mpii')"),
    (dict(keypoints_2d=np.zeros((5, 15, 2))), 'no registered skeleton has 15 '
     'joints: add one to pose3d_toolbox/skeletons.py'),
    (dict(visibility=np.ones((5, 3))), "'visibility' has shape"),
    (dict(camera=dict(f=[1, 1], c=[0, 0], w=1, h=1)), "'R' is missing"),
    (dict(img_paths=['a.jpg']), '1 img_paths for 5 frames'),
    (dict(camera=None), "'camera' is missing"),
])
def test_bad_videos_raise_clear_errors(change, message):
    with pytest.raises(ValueError) as e:
        BaseLiftingDataset(videos=[make_video(5, **change)])
    assert message in str(e.value), str(e.value)


@pytest.mark.parametrize('kwargs', [dict(seq_len=0), dict(step=0),
                                    dict(subset_frac=0), dict(max_samples=-1),
                                    dict(frame_interval=1.5)])
def test_bad_options(kwargs):
    with pytest.raises(ValueError):
        make(**kwargs)
