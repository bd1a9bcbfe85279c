"""Bone codec (Anatomy3D): exact FK, joint-shift pairs, encoded fields, and
the bone-length augmentation."""
import numpy as np
import pytest
import torch

from pose3d_toolbox.codecs import BoneCodec, normalize_screen
from pose3d_toolbox.codecs.bone import (bones_to_joints, joint_shift_pairs,
                                        joint_shifts, joints_to_bones,
                                        path_matrix)
from pose3d_toolbox.datasets.transforms import RandomBoneLengthAugmentation
from pose3d_toolbox.skeletons import H36M
from pose3d_toolbox.utils import camera_to_pixel

CODEC = dict(type='BoneCodec', skeleton='h36m')


def random_poses(rng, *shape):
    return rng.normal(0, 0.3, shape + (17, 3))


def test_fk_inverts_the_decomposition_exactly_numpy_and_torch():
    rng = np.random.default_rng(0)
    joints = random_poses(rng, 4, 5)
    joints -= joints[..., :1, :]
    d, l = joints_to_bones(joints, 'h36m')
    assert d.shape == (4, 5, 16, 3) and l.shape == (4, 5, 16)
    np.testing.assert_allclose(np.linalg.norm(d, axis=-1), 1, atol=1e-12)
    np.testing.assert_allclose(bones_to_joints(d, l, 'h36m'), joints,
                               atol=1e-12)
    td, tl = joints_to_bones(torch.from_numpy(joints), H36M)
    np.testing.assert_allclose(td.numpy(), d, atol=1e-12)
    np.testing.assert_allclose(bones_to_joints(td, tl, H36M).numpy(), joints,
                               atol=1e-12)


def test_fk_by_hand_and_path_matrix():
    # right leg: pelvis -> r_hip -> r_knee -> r_ankle (bones 0, 1, 2)
    P = path_matrix('h36m')
    assert P.shape == (17, 16)
    np.testing.assert_array_equal(np.nonzero(P[3])[0], [0, 1, 2])
    np.testing.assert_array_equal(P[0], 0)
    # r_wrist (16) goes pelvis-spine-thorax-r_shoulder-r_elbow-r_wrist
    assert [H36M.bones[b][0] for b in np.nonzero(P[16])[0]] == [7, 8, 14, 15,
                                                                16]
    d = np.zeros((16, 3))
    d[:, 2] = 1  # every bone points along +z
    lengths = np.arange(1, 17, dtype=float)  # bone b has length b + 1
    joints = bones_to_joints(d, lengths, 'h36m')
    assert joints[3, 2] == 1 + 2 + 3
    assert joints[16, 2] == 7 + 8 + 14 + 15 + 16
    np.testing.assert_array_equal(joints[:, :2], 0)


def test_joint_shift_pairs_are_the_non_bone_pairs():
    pairs = joint_shift_pairs('h36m')
    assert len(pairs) == 136 - 16 == 120
    assert len(joint_shift_pairs('h36m', include_bones=True)) == 136
    assert (0, 1) not in pairs and (1, 2) not in pairs and (8, 14) not in pairs
    assert (0, 2) in pairs and (13, 16) in pairs
    assert all(a < b for a, b in pairs)
    joints = np.arange(17 * 3, dtype=float).reshape(17, 3)
    shifts = joint_shifts(joints, [(0, 2), (13, 16)])
    np.testing.assert_array_equal(shifts, [joints[2] - joints[0],
                                           joints[16] - joints[13]])


def sample_with_random_frames(rng, l=6, seq_len=3):
    lengths = rng.uniform(0.1, 0.45, 16)
    dirs = rng.normal(size=(seq_len + l, 16, 3))
    dirs /= np.linalg.norm(dirs, axis=-1, keepdims=True)
    root = np.array([0.2, -0.1, 4.5]) + rng.normal(0, 0.1, (seq_len + l, 1,
                                                            3))
    kp3d = bones_to_joints(dirs, lengths, 'h36m') + root
    cam = dict(R=np.eye(3), T=np.zeros((3, 1)), f=np.array([[1100.], [1150.]]),
               c=np.array([[500.], [490.]]), k=np.array([[0.1], [-0.2],
                                                        [0.01]]),
               p=np.array([[0.001], [-0.002]]), w=1000, h=1002)
    kp2d = camera_to_pixel(kp3d, cam['f'], cam['c'], cam['k'], cam['p'])
    f32 = np.float32
    return dict(keypoints_3d=kp3d[:seq_len].astype(f32),
                keypoints_2d=kp2d[:seq_len].astype(f32),
                visibility=rng.uniform(size=(seq_len, 17)).astype(f32),
                random_keypoints_3d=kp3d[seq_len:].astype(f32),
                random_keypoints_2d=kp2d[seq_len:].astype(f32),
                target_index=seq_len // 2, camera=cam), lengths


def test_codec_encodes_bones_and_random_frames():
    rng = np.random.default_rng(1)
    codec = BoneCodec(target_scale=0.5)
    assert (codec.num_keypoints, codec.num_bones, codec.root_index) == (17,
                                                                        16, 0)
    sample, lengths = sample_with_random_frames(rng)
    enc = codec.encode(sample)
    t = sample['keypoints_3d'][1]
    np.testing.assert_allclose(enc['bone_lengths'], lengths / 0.5, rtol=1e-5)
    np.testing.assert_allclose(
        bones_to_joints(enc['bone_directions'], enc['bone_lengths'] * 0.5,
                        'h36m'), t - t[0], atol=1e-5)
    np.testing.assert_array_equal(enc['lifting_visibility'],
                                  sample['visibility'])
    np.testing.assert_allclose(
        enc['length_input'],
        normalize_screen(sample['random_keypoints_2d'], 1000., 1002.),
        atol=1e-6)
    rand = sample['random_keypoints_3d']
    np.testing.assert_allclose(enc['length_target'] * 0.5,
                               rand - rand[:, :1], atol=1e-6)
    decoded = codec.decode(enc['lifting_target'][None], [sample])
    np.testing.assert_allclose(decoded['keypoints_3d'][0], t - t[0],
                               atol=1e-6)
    # without random frames the fields exist, empty
    del sample['random_keypoints_2d'], sample['random_keypoints_3d']
    enc = codec.encode(sample)
    assert enc['length_input'].shape == (0, 17, 2)
    assert enc['length_target'].shape == (0, 17, 3)


def test_augmentation_rebuilds_reprojects_and_keeps_the_originals():
    rng = np.random.default_rng(2)
    sample, lengths = sample_with_random_frames(rng)
    originals = {k: np.copy(v) for k, v in sample.items()
                 if isinstance(v, np.ndarray)}
    codec = BoneCodec()
    # scale 0: the same skeleton, so the re-projection is the original 2D
    same = RandomBoneLengthAugmentation(CODEC, scale=0.0)(dict(sample))
    np.testing.assert_allclose(same['aug_bone_lengths'], lengths, rtol=1e-5)
    np.testing.assert_allclose(
        same['aug_length_input'],
        codec.normalize_input(sample['random_keypoints_2d'],
                              sample['camera']), atol=1e-5)
    np.random.seed(0)
    aug = RandomBoneLengthAugmentation(CODEC, scale=0.3)(dict(sample))
    ratio = aug['aug_bone_lengths'] / lengths
    assert ((ratio > 0.7 - 1e-6) & (ratio < 1.3 + 1e-6)).all()
    assert np.abs(ratio - 1).max() > 0.05
    # the new 2D is the projection of a pose with the new bone lengths,
    # same root and bone directions: rebuild it and compare
    rand3d = sample['random_keypoints_3d'].astype(np.float64)
    dirs, _ = joints_to_bones(rand3d, 'h36m')
    rebuilt = bones_to_joints(dirs, aug['aug_bone_lengths'],
                              'h36m') + rand3d[:, :1]
    cam = sample['camera']
    expected = codec.normalize_input(
        camera_to_pixel(rebuilt, cam['f'], cam['c'], cam['k'], cam['p']),
        cam)
    np.testing.assert_allclose(aug['aug_length_input'], expected, atol=1e-5)
    # the root projects where it did; the sample's own data is untouched
    np.testing.assert_allclose(aug['aug_length_input'][:, 0],
                               same['aug_length_input'][:, 0], atol=1e-5)
    for k, v in originals.items():
        np.testing.assert_array_equal(sample[k], v)
        np.testing.assert_array_equal(aug[k], v)


def test_augmentation_needs_random_frames():
    with pytest.raises(KeyError, match='num_random_frames'):
        RandomBoneLengthAugmentation(CODEC)(dict(camera={}))
