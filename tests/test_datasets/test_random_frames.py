"""BaseLiftingDataset's random frames (Anatomy3D's bone-length input).

Videos encode the frame index in the data (``keypoints_2d[t, :, 0] == t``),
so a sample's random frames tell exactly which frames they came from.
"""
import numpy as np
import pytest

from pose3d_toolbox.datasets.base_lifting import (RANDOM_FRAME_KEYS,
                                                  SAMPLE_KEYS,
                                                  BaseLiftingDataset)

J = 17
CAMERA = dict(R=np.eye(3), T=np.zeros((3, 1)), f=[[1000.], [1000.]],
              c=[[500.], [500.]], w=1000, h=1000)


def video(T, vid=0):
    t = np.arange(T, dtype=np.float32)
    kp2d = np.zeros((T, J, 2), np.float32)
    kp2d[..., 0] = t[:, None]
    kp2d[..., 1] = vid
    kp3d = np.zeros((T, J, 3), np.float32)
    kp3d[..., 0] = t[:, None]
    kp3d[..., 2] = 5
    vis = np.tile((t[:, None] % 2), (1, J)).astype(np.float32)
    return dict(keypoints_2d=kp2d, keypoints_3d=kp3d, visibility=vis,
                camera=dict(CAMERA), subject=f'S{vid}', action='A',
                camera_id='0', img_paths=None)


def make(lengths=(60, 8), **kwargs):
    return BaseLiftingDataset(
        videos=[video(T, i) for i, T in enumerate(lengths)], **kwargs)


def test_without_random_frames_the_sample_is_unchanged():
    s = make(seq_len=3)[5]
    assert set(s) == set(SAMPLE_KEYS)


def test_random_frames_come_from_the_whole_own_video():
    ds = make(seq_len=3, num_random_frames=10)
    seen = set()
    for _ in range(30):
        s = ds[30]
        assert set(s) == set(SAMPLE_KEYS) | set(RANDOM_FRAME_KEYS)
        frames = s['random_frames']
        assert frames.shape == (10, ) and len(set(frames)) == 10
        np.testing.assert_array_equal(s['random_keypoints_2d'][:, 0, 0],
                                      frames)
        np.testing.assert_array_equal(s['random_keypoints_2d'][:, :, 1], 0)
        np.testing.assert_array_equal(s['random_keypoints_3d'][:, 0, 0],
                                      frames)
        np.testing.assert_array_equal(s['random_visibility'][:, 0],
                                      frames % 2)
        seen.update(frames.tolist())
    # distant frames on both sides of the target, not only its window
    assert min(seen) < 10 and max(seen) > 50
    # training draws change from one epoch to the next
    assert not np.array_equal(ds[30]['random_frames'], ds[30]['random_frames'])


def test_short_video_draws_with_replacement_from_itself():
    s = make(seq_len=3, num_random_frames=10)[63]  # second video (8 frames)
    assert s['random_frames'].min() >= 0 and s['random_frames'].max() < 8
    np.testing.assert_array_equal(s['random_keypoints_2d'][:, :, 1], 1)


def test_test_mode_draws_are_repeatable_and_differ_between_samples():
    ds = make(seq_len=3, num_random_frames=10, test_mode=True)
    np.testing.assert_array_equal(ds[30]['random_frames'],
                                  ds[30]['random_frames'])
    assert not np.array_equal(ds[30]['random_frames'],
                              ds[31]['random_frames'])
    other = make(seq_len=3, num_random_frames=10, test_mode=True,
                 random_frames_seed=1)
    assert not np.array_equal(ds[30]['random_frames'],
                              other[30]['random_frames'])


@pytest.mark.parametrize('test_mode', [False, True])
def test_causal_draws_never_come_after_the_target(test_mode):
    ds = make(seq_len=5, causal=True, num_random_frames=7,
              test_mode=test_mode)
    for idx in range(60):
        s = ds[idx]
        assert s['random_frames'].max() <= s['frame'] == idx
    assert set(ds[0]['random_frames']) == {0}


def test_the_video_is_indexed_not_copied():
    ds = make(seq_len=3, num_random_frames=5)
    base = ds.videos[0]['keypoints_2d']
    s = ds[10]
    assert not np.shares_memory(s['random_keypoints_2d'], base)
    assert not base.flags.writeable


def test_bad_option():
    with pytest.raises(ValueError, match='num_random_frames'):
        make(num_random_frames=-1)
