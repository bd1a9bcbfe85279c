"""The bone-length fit of the root depth (utils.camera.bone_length_root_depth)
on synthetic data where the answer is known, and the mean bone lengths it
fits, recomputed from the embedded data."""
import numpy as np
import pytest

from pose3d_toolbox.skeletons import H36M, HEMLETS
from pose3d_toolbox.utils import bone_length_root_depth, camera_to_pixel

BONES = np.array(H36M.bones)
LENGTHS = H36M.mean_bone_lengths('cmu')


def random_poses(rng, n, lengths=LENGTHS, depth=(2.0, 10.0)):
    """``(n, 17, 3)`` camera-space poses whose bones have ``lengths``."""
    poses = np.zeros((n, 17, 3))
    for (child, parent), length in zip(H36M.bones, lengths):
        d = rng.normal(size=(n, 3))
        poses[:, child] = poses[:, parent] + length * d / np.linalg.norm(
            d, axis=-1, keepdims=True)
    root = np.stack([rng.uniform(-1, 1, n), rng.uniform(-1, 1, n),
                     rng.uniform(*depth, n)], -1)
    return poses + root[:, None]


def observe(poses, f, c):
    """What an image model predicts: pixels and root-relative depths."""
    return (camera_to_pixel(poses, f, c),
            poses[..., 2] - poses[:, :1, 2])


def test_one_bone_by_hand():
    """Two joints at the same depth 100 px apart with f = 1000: a 0.5 m
    bone is at Z = 0.5 * 1000 / 100 = 5 m."""
    kp = np.array([[[500.0, 500.0], [600.0, 500.0]]])
    z = bone_length_root_depth(kp, np.zeros((1, 2)), (1000.0, 1000.0),
                               (500.0, 500.0), [(1, 0)], [0.5])
    np.testing.assert_allclose(z, [5.0], rtol=1e-12)
    # 40 px apart at 0.3 m behind the root: Z + 0.3 = 0.5 * 1000 / ... with
    # the child 0.3 m deeper the fit still returns the exact root depth
    pose = np.array([[[0.0, 0.0, 4.0], [0.4, 0.0, 4.3]]])
    kp, rel = observe(pose, (1000.0, 1000.0), (500.0, 500.0))
    z = bone_length_root_depth(kp, rel, (1000.0, 1000.0), (500.0, 500.0),
                               [(1, 0)], [0.5])
    np.testing.assert_allclose(z, [4.0], rtol=1e-9)


def test_exact_lengths_give_the_exact_root_depth():
    rng = np.random.default_rng(0)
    poses = random_poses(rng, 200)
    f = rng.uniform(500, 2000, (200, 2))  # fx != fy, per sample
    c = rng.uniform(300, 700, (200, 2))
    kp = np.stack([camera_to_pixel(p, fi, ci)
                   for p, fi, ci in zip(poses, f, c)])
    rel = poses[..., 2] - poses[:, :1, 2]
    z = bone_length_root_depth(kp, rel, f, c, BONES, LENGTHS)
    np.testing.assert_allclose(z, poses[:, 0, 2], rtol=1e-7)


def test_a_person_of_another_size_and_nan_bones():
    """A person 10 % larger than the mean: the root comes out about 10 %
    too close (a little more: the metric relative depths do not shrink
    with the rest); the fit is the least-squares minimum (checked on a
    grid)."""
    rng = np.random.default_rng(1)
    poses = random_poses(rng, 50, LENGTHS * 1.1, depth=(4.0, 6.0))
    kp, rel = observe(poses, (1100.0, 1150.0), (500.0, 500.0))
    z = bone_length_root_depth(kp, rel, (1100.0, 1150.0), (500.0, 500.0),
                               BONES, LENGTHS)
    ratio = z / poses[:, 0, 2]
    assert np.all((ratio > 0.84) & (ratio < 1 / 1.1 + 0.005)), ratio
    grid = np.linspace(2.0, 8.0, 6001)
    rays = np.concatenate([(kp - 500.0) / (1100.0, 1150.0),
                           np.ones(kp.shape[:2] + (1, ))], -1)
    for i in range(5):
        pts = (grid[:, None, None] + rel[i][None, :, None]) * rays[i]
        err = ((np.linalg.norm(pts[:, BONES[:, 0]] - pts[:, BONES[:, 1]],
                               axis=-1) - LENGTHS)**2).sum(-1)
        assert z[i] == pytest.approx(grid[err.argmin()], abs=2e-3)
    # NaN leaves a bone out: the legs alone still give the exact depth
    poses = random_poses(rng, 5)
    kp, rel = observe(poses, (1000.0, 1000.0), (500.0, 500.0))
    legs_only = np.where(np.arange(16) < 6, LENGTHS, np.nan)
    z = bone_length_root_depth(kp, rel, (1000.0, 1000.0), (500.0, 500.0),
                               BONES, legs_only)
    np.testing.assert_allclose(z, poses[:, 0, 2], rtol=1e-7)
    with pytest.raises(ValueError, match='every bone length is NaN'):
        bone_length_root_depth(kp, rel, (1000.0, 1000.0), (500.0, 500.0),
                               BONES, np.full(16, np.nan))
    with pytest.raises(ValueError, match='3 bone lengths for 16 bones'):
        bone_length_root_depth(kp, rel, (1000.0, 1000.0), (500.0, 500.0),
                               BONES, [0.3] * 3)


def test_cmu_mean_bone_lengths_match_the_training_subjects():
    """skeletons.py's 'cmu' mean bone lengths are recomputed from the
    embedded data's training subjects (never the test subjects)."""
    from pose3d_toolbox.datasets.mocap import (CMU_TRAIN_SUBJECTS,
                                               load_cmu_mocap)
    takes = load_cmu_mocap(subjects=CMU_TRAIN_SUBJECTS)
    bones = np.array(HEMLETS.bones)
    per_subject = []
    for subject in sorted({t['subject'] for t in takes}):
        x = np.concatenate([t['keypoints_3d'] for t in takes
                            if t['subject'] == subject]).astype(np.float64)
        # HEMlets' joint 17 is the shoulder midpoint
        x = np.concatenate([x, (x[:, 11:12] + x[:, 14:15]) / 2], 1)
        per_subject.append(np.linalg.norm(
            x[:, bones[:, 0]] - x[:, bones[:, 1]], axis=-1).mean(0))
    lengths = np.mean(per_subject, 0)
    child_index = {c: k for k, (c, _) in enumerate(HEMLETS.bones)}
    mirror = [child_index[HEMLETS.flip_indices[c]] for c, _ in HEMLETS.bones]
    lengths = 0.5 * (lengths + lengths[mirror])
    np.testing.assert_allclose(HEMLETS.mean_bone_lengths('cmu'), lengths,
                               atol=6e-5)
    np.testing.assert_allclose(H36M.mean_bone_lengths('cmu'), lengths[:16],
                               atol=6e-5)
    # ElePose's 'cmu' prior is the same lengths over their mean
    prior = np.asarray(H36M.extras['elepose_bone_priors']['cmu'])
    np.testing.assert_allclose(prior, lengths[:16] / lengths[:16].mean(),
                               atol=2e-4)


def test_a_collapsed_prediction_stops_at_max_depth():
    """Every joint on one pixel: no depth fits (Z -> inf) but the decoding
    stays finite at ``max_depth``; a real pose is unaffected."""
    kp = np.full((1, 17, 2), 480.0)
    kp[0, :, 0] += np.linspace(0, 1e-4, 17)  # an untrained model's spread
    z = bone_length_root_depth(kp, np.zeros((1, 17)), (1000.0, 1000.0),
                               (500.0, 500.0), BONES, LENGTHS,
                               max_depth=100.0)
    assert z[0] == 100.0
    poses = random_poses(np.random.default_rng(3), 4)
    kp, rel = observe(poses, (1000.0, 1000.0), (500.0, 500.0))
    z = bone_length_root_depth(kp, rel, (1000.0, 1000.0), (500.0, 500.0),
                               BONES, LENGTHS, max_depth=100.0)
    np.testing.assert_allclose(z, poses[:, 0, 2], rtol=1e-7)
