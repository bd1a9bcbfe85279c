"""Capsule-body self-occlusion."""
import numpy as np
import pytest

from pose3d_toolbox.datasets.synthetic import (BODY, CAPSULES, make_camera,
                                               joint_visibility, random_poses,
                                               random_rig, segment_distance,
                                               t_pose, walking_poses)
from pose3d_toolbox.skeletons import H36M
from pose3d_toolbox.utils.camera import world_to_camera

J = {n: i for i, n in enumerate(H36M.joint_names)}


def _camera_at(azimuth, distance=5.0, height=1.6):
    a = np.radians(azimuth)
    return make_camera((distance * np.cos(a), distance * np.sin(a), height),
                       (0, 0, 0.95), f=(1000, 1000), c=(500, 500), w=1000,
                       h=1000)


def test_radius_table():
    radius = {c[0]: c[3] for c in CAPSULES}
    assert radius['left_thigh'] > radius['left_shin'] > radius[
        'left_forearm']
    assert radius['right_thigh'] > radius['right_upper_arm'] > radius[
        'right_forearm']
    assert radius['head'] > radius['neck']
    # every bone outside the spine and head has a capsule of its own
    pure = {frozenset(c[1:3]) for c in CAPSULES
            if isinstance(c[1], str) and isinstance(c[2], str)}
    for child, parent in H36M.bones:
        if H36M.joint_names[child] not in ('spine', 'thorax', 'head'):
            assert frozenset(
                (H36M.joint_names[child], H36M.joint_names[parent])) in pure


def test_segment_distance_against_brute_force():
    rng = np.random.default_rng(0)
    s = np.linspace(0, 1, 201)
    for case in range(40):
        p0, p1, q0, q1 = rng.normal(size=(4, 3))
        if case % 4 == 1:
            q1 = q0  # a sphere
        elif case % 4 == 2:
            q1 = q0 + 0.5 * (p1 - p0)  # parallel
        elif case % 4 == 3:
            p1, q1 = p0, q0  # two points
        a = p0 + s[:, None] * (p1 - p0)
        b = q0 + s[:, None] * (q1 - q0)
        brute = np.linalg.norm(a[:, None] - b[None], axis=-1).min()
        got = segment_distance(p0, p1, q0, q1)
        assert got <= brute + 1e-12
        assert got == pytest.approx(brute, abs=1e-3)
    # hand-computed: crossing segments 1 apart, point to segment
    assert segment_distance(np.array([-1., 0, 0]), np.array([1., 0, 0]),
                            np.array([0., -1, 1]), np.array([0., 1, 1])) == 1
    assert segment_distance(np.zeros(3), np.zeros(3), np.array([3., 4, 0]),
                            np.array([3., 4, 9])) == 5


def test_front_view_t_pose_all_visible():
    pose = t_pose()  # faces +y
    for azimuth in (90, 80, 100):
        vis = joint_visibility(pose, _camera_at(azimuth))
        assert not vis.occluded.any(), H36M.joint_names
        assert (vis.score > 0.9).all()
        assert (vis.occluder == -1).all()


@pytest.mark.parametrize('near,far,azimuth', [('right', 'left', 0),
                                              ('left', 'right', 180)])
def test_side_view_hides_far_limbs(near, far, azimuth):
    """Camera on the person's ``near`` side: the far leg hides behind the
    near leg, the far arm behind the torso and near arm."""
    vis = joint_visibility(t_pose(), _camera_at(azimuth))
    for joint in ('knee', 'ankle', 'elbow', 'wrist', 'hip'):
        assert vis.occluded[J[f'{far}_{joint}']], joint
        assert vis.score[J[f'{far}_{joint}']] < 0.2
    for joint in ('hip', 'knee', 'ankle', 'wrist'):
        assert not vis.occluded[J[f'{near}_{joint}']], joint
        assert vis.score[J[f'{near}_{joint}']] > 0.8
    assert not vis.occluded[J['head']]
    # the far knee is hidden by the near leg
    occluder = CAPSULES[vis.occluder[J[f'{far}_knee']]][0]
    assert occluder.startswith(f'{near}_')


def test_side_view_of_a_stride_shows_both_legs_apart():
    pose = walking_poses(np.pi / 2)[0]  # legs spread front and back
    vis = joint_visibility(pose, _camera_at(0))
    # right side camera: the near (right) leg visible, the far ankle, which
    # is a stride away from the near one, visible too
    assert not vis.occluded[[J['right_knee'], J['right_ankle']]].any()
    assert not vis.occluded[J['left_ankle']]


def test_scores_consistent_with_flags_over_random_views():
    rng = np.random.default_rng(0)
    poses = random_poses(rng, 30)
    for cam in random_rig(rng, 5):
        vis = joint_visibility(poses, cam)
        assert vis.occluded.shape == vis.score.shape == (30, 17)
        assert vis.occluded.dtype == bool
        assert ((vis.score >= 0) & (vis.score <= 1)).all()
        np.testing.assert_array_equal(vis.occluded, vis.score < 0.5)
        np.testing.assert_array_equal(vis.occluder >= 0, vis.occluded)
        # an occluder is never a capsule of the joint itself
        t, j = np.nonzero(vis.occluded)
        assert not BODY.exempt[j, vis.occluder[t, j]].any()
        assert 0 < vis.occluded.mean() < 0.5


def test_batch_equals_single_and_camera_frame_equals_world():
    rng = np.random.default_rng(2)
    poses = random_poses(rng, 6, height_range=(1.7, 1.7))
    cam = random_rig(rng, 1)[0]
    batch = joint_visibility(poses, cam)
    poses_cam = world_to_camera(poses, cam['R'], cam['T'])
    in_cam = joint_visibility(poses_cam)
    np.testing.assert_allclose(in_cam.score, batch.score, atol=1e-9)
    for i in range(len(poses)):
        one = joint_visibility(poses_cam[i])
        assert one.score.shape == (17, )
        np.testing.assert_allclose(one.score, batch.score[i], atol=1e-9)


def test_radii_follow_body_size():
    """A smaller person seen from the same relative place gives the same
    answer with 'auto' radii (everything scales together)."""
    pose = t_pose()
    cam = _camera_at(20)
    big = joint_visibility(pose, cam)
    small_pose = 0.8 * pose
    small_cam = dict(cam, T=0.8 * cam['T'])
    small = joint_visibility(small_pose, small_cam, soft_width=0.8 * 0.02)
    np.testing.assert_allclose(small.score, big.score, atol=1e-9)
    assert BODY.radius_scale(world_to_camera(small_pose, cam['R'],
                                             cam['T'])[None]) == \
        pytest.approx(0.8)


def test_behind_camera_and_bad_shape():
    pose_cam = world_to_camera(t_pose(), _camera_at(90)['R'],
                               _camera_at(90)['T'])
    behind = pose_cam.copy()
    behind[:, 2] *= -1
    vis = joint_visibility(behind)
    assert vis.occluded.all() and (vis.score == 0).all()
    with pytest.raises(ValueError, match='expected'):
        joint_visibility(np.zeros((2, 16, 3)))
