"""Procedural test poses: frame convention, sizes, ground contact."""
import numpy as np
import pytest

from pose3d_toolbox.datasets.synthetic import (make_poses, random_poses,
                                               standing_pose, t_pose,
                                               walking_poses)
from pose3d_toolbox.datasets.synthetic.poses import (ANKLE_HEIGHT,
                                                     REFERENCE_HEIGHT)
from pose3d_toolbox.skeletons import H36M

J = {n: i for i, n in enumerate(H36M.joint_names)}


def _bone_lengths(poses):
    return np.stack([np.linalg.norm(poses[..., c, :] - poses[..., p, :],
                                    axis=-1) for c, p in H36M.bones], -1)


def test_t_pose_frame_and_shape():
    pose = t_pose()
    assert pose.shape == (17, 3)
    # Z up, standing on the floor, facing +y: the person's left is -x
    assert pose[J['head'], 2] > pose[J['thorax'], 2] > pose[J['pelvis'], 2]
    assert pose[[J['left_ankle'], J['right_ankle']], 2] == pytest.approx(
        ANKLE_HEIGHT)
    assert (pose[[J['left_hip'], J['left_wrist']], 0] < 0).all()
    assert (pose[[J['right_hip'], J['right_wrist']], 0] > 0).all()
    assert pose[J['neck_nose'], 1] > pose[J['thorax'], 1]
    # arms horizontal at shoulder height
    np.testing.assert_allclose(pose[[12, 13, 15, 16], 2],
                               pose[J['left_shoulder'], 2])
    # about 1.5-1.8 m from floor to the head joint
    assert 1.5 < pose[J['head'], 2] < 1.8


def test_yaw_and_position():
    pose = t_pose(yaw=90, position=(1.0, -2.0))
    # facing -x after a quarter turn: the left side is at -y
    assert pose[J['left_hip'], 1] < -2.0 < pose[J['right_hip'], 1]
    np.testing.assert_allclose(pose[J['pelvis'], :2], [1.0, -2.0])


def test_bone_lengths_scale_with_height_and_are_symmetric():
    small = standing_pose(height=1.4)
    ref = standing_pose()
    np.testing.assert_allclose(_bone_lengths(small),
                               _bone_lengths(ref) * 1.4 / REFERENCE_HEIGHT)
    for left, right in H36M.flip_pairs:
        lengths = _bone_lengths(ref)
        assert lengths[left - 1] == pytest.approx(lengths[right - 1])


def test_random_and_walking_poses_are_plausible():
    poses = random_poses(np.random.default_rng(0), 200, position_range=1.0)
    assert poses.shape == (200, 17, 3)
    # bone lengths do not depend on the angles
    lengths = _bone_lengths(poses)
    heights = lengths[:, [1, 2, 6, 7, 8, 9]].sum(1)
    ratios = lengths / heights[:, None]
    np.testing.assert_allclose(ratios, np.broadcast_to(ratios[0], (200, 16)),
                               rtol=1e-9)
    # feet on the floor, head off the floor, inside the position range
    reference = _bone_lengths(t_pose())[[1, 2, 6, 7, 8, 9]].sum()
    np.testing.assert_allclose(poses[:, [3, 6], 2].min(1),
                               ANKLE_HEIGHT * heights / reference)
    assert (poses[:, J['head'], 2] > 0.5).all()
    assert (np.abs(poses[:, 0, :2]) <= 1.0).all()
    walk = walking_poses(np.linspace(0, 2 * np.pi, 9))
    assert walk.shape == (9, 17, 3)
    np.testing.assert_allclose(walk[0], walk[-1], atol=1e-12)
    # the legs alternate
    forward = walk[:, J['left_ankle'], 1] - walk[:, J['right_ankle'], 1]
    assert forward.max() > 0.3 and forward.min() < -0.3


def test_make_poses_broadcasts():
    poses = make_poses(yaw=[0, 90, 180], arm_elevation=(0, -80))
    assert poses.shape == (3, 17, 3)
    # left arm horizontal, right arm hanging
    assert poses[0, J['left_wrist'], 2] == pytest.approx(
        poses[0, J['left_shoulder'], 2])
    assert poses[0, J['right_wrist'], 2] < poses[0, J['right_elbow'], 2]


def test_angle_directions():
    """Signs as documented, for a person facing +y (the right is +x)."""
    rest = make_poses()[0]
    lean = make_poses(torso_lean=30)[0]
    assert lean[J['thorax'], 1] > rest[J['thorax'], 1] + 0.2
    nod = make_poses(head_pitch=30)[0]
    assert nod[J['head'], 1] > rest[J['head'], 1] + 0.05
    side = make_poses(torso_side=20)[0]
    assert side[J['thorax'], 0] > 0.1
    twist = make_poses(torso_twist=30)[0]
    assert twist[J['left_shoulder'], 1] < -0.05
    step = make_poses(hip_flexion=(60, 0), knee_flexion=(60, 0))[0]
    assert step[J['left_knee'], 1] > 0.3  # thigh forward
    assert step[J['left_ankle'], 1] == pytest.approx(step[J['left_knee'], 1])
    bend = make_poses(arm_elevation=-90, elbow_flexion=90)[0]
    assert bend[J['left_wrist'], 1] - bend[J['left_elbow'], 1] == \
        pytest.approx(0.25)
