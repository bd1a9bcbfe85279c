"""Synthetic camera rigs: geometry, intrinsics, image orientation."""
import numpy as np
import pytest

from pose3d_toolbox.datasets.synthetic import (H36M_INTRINSICS, h36m_like_rig,
                                               look_at, make_camera,
                                               random_rig, t_pose,
                                               walking_poses)
from pose3d_toolbox.skeletons import H36M
from pose3d_toolbox.utils.camera import (validate_camera, world_to_camera,
                                         world_to_pixel)

LEFT = [H36M.index(n) for n in ('left_hip', 'left_knee', 'left_ankle',
                                'left_shoulder', 'left_elbow', 'left_wrist')]
RIGHT = [H36M.index(n) for n in ('right_hip', 'right_knee', 'right_ankle',
                                 'right_shoulder', 'right_elbow',
                                 'right_wrist')]
PELVIS, HEAD = H36M.index('pelvis'), H36M.index('head')
ANKLES = [H36M.index('left_ankle'), H36M.index('right_ankle')]


def test_look_at_axes():
    position, target = np.array([3.0, -4.0, 1.6]), np.array([0, 0, 0.9])
    R = look_at(position, target)
    np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-12)
    assert np.isclose(np.linalg.det(R), 1.0)
    # the target lies on the optical axis, in front of the camera
    cam = world_to_camera(target, R, position)
    np.testing.assert_allclose(cam[:2], 0, atol=1e-12)
    assert cam[2] == pytest.approx(np.linalg.norm(target - position))
    # camera x is horizontal and camera y (down) points downwards
    assert abs(R[2, 0]) < 1e-12 and R[2, 1] < 0
    # looking straight down still gives a rotation
    R = look_at((0, 0, 5), (0, 0, 0))
    np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(R[:, 2], [0, 0, -1])
    with pytest.raises(ValueError, match='coincide'):
        look_at((1, 2, 3), (1, 2, 3))


@pytest.mark.parametrize('distortion', [False, True])
def test_h36m_like_rig_layout(distortion):
    centre = (0.7, -0.4)
    cams = h36m_like_rig(center_xy=centre, distortion=distortion)
    assert len(cams) == 4
    azimuths = []
    for cam, intr in zip(cams, H36M_INTRINSICS):
        cam = validate_camera(cam, 'h36m_like_rig')
        np.testing.assert_allclose(cam['f'].ravel(), intr['f'])
        np.testing.assert_allclose(cam['c'].ravel(), intr['c'])
        assert (cam['w'], cam['h']) == (intr['w'], intr['h'])
        assert 1140 < cam['f'].mean() < 1150
        if distortion:
            np.testing.assert_allclose(cam['k'].ravel(), intr['k'])
            np.testing.assert_allclose(cam['p'].ravel(), intr['p'])
        else:
            assert not cam['k'].any() and not cam['p'].any()
        offset = cam['T'].ravel() - [centre[0], centre[1], 0]
        assert 4.5 <= np.hypot(*offset[:2]) <= 5.5
        assert 1.4 <= offset[2] <= 1.8
        # pitched slightly down: the optical axis descends by 3-15 degrees
        pitch = np.degrees(np.arcsin(-cam['R'][2, 2]))
        assert 3 < pitch < 15
        azimuths.append(np.degrees(np.arctan2(offset[1], offset[0])) % 360)
    np.testing.assert_allclose(azimuths, [45, 135, 225, 315])


@pytest.mark.parametrize('yaw', [0.0, 70.0, 180.0])
def test_h36m_like_rig_subject_in_view(yaw):
    centre = (0.3, 0.2)
    pose = t_pose(yaw=yaw, position=centre)
    for cam in h36m_like_rig(center_xy=centre):
        uv = world_to_pixel(pose, cam)
        # the pelvis lands near the image centre
        assert np.abs(uv[PELVIS] - [cam['w'] / 2, cam['h'] / 2]).max() < 60
        # the head is above the ankles in the image (smaller v)
        assert uv[HEAD, 1] < uv[ANKLES, 1].min() - 200
        # the whole body is in the image
        assert (uv >= 0).all() and (uv[:, 0] < cam['w']).all()
        assert (uv[:, 1] < cam['h']).all()


@pytest.mark.parametrize('yaw', [0.0, 45.0, 200.0])
def test_left_side_appears_on_image_right_from_the_front(yaw):
    pose = t_pose(yaw=yaw)
    # the pose faces yaw degrees counter-clockwise from +y
    facing = np.array([-np.sin(np.radians(yaw)), np.cos(np.radians(yaw)), 0])
    target = (0, 0, 0.95)
    front = make_camera(5 * facing + [0, 0, 1.6], target, f=(1000, 1000),
                        c=(500, 500), w=1000, h=1000)
    back = make_camera(-5 * facing + [0, 0, 1.6], target, f=(1000, 1000),
                       c=(500, 500), w=1000, h=1000)
    u_front = world_to_pixel(pose, front)[:, 0]
    u_back = world_to_pixel(pose, back)[:, 0]
    assert (u_front[LEFT] > u_front[RIGHT]).all()
    assert (u_back[LEFT] < u_back[RIGHT]).all()


def test_random_rig_ranges():
    kwargs = dict(num_cameras=40, focal_range=(800, 1200),
                  distance_range=(3.0, 6.0), elevation_range=(0.0, 30.0),
                  azimuth_range=(-90.0, 90.0), principal_point_jitter=15.0,
                  image_size=(800, 600), target=(1.0, 2.0, 0.9))
    cams = random_rig(np.random.default_rng(0), **kwargs)
    again = random_rig(np.random.default_rng(0), **kwargs)
    assert len(cams) == 40
    target = np.array(kwargs['target'])
    elevations, azimuths = [], []
    for cam, cam2 in zip(cams, again):
        np.testing.assert_array_equal(cam['R'], cam2['R'])
        cam = validate_camera(cam)
        offset = cam['T'].ravel() - target
        dist = np.linalg.norm(offset)
        elevation = np.degrees(np.arcsin(offset[2] / dist))
        azimuth = np.degrees(np.arctan2(offset[1], offset[0]))
        assert 3.0 <= dist <= 6.0
        assert -1e-9 <= elevation <= 30.0 + 1e-9
        assert -90.0 <= azimuth <= 90.0
        assert 800 <= cam['f'][0, 0] <= 1200
        assert (cam['w'], cam['h']) == (800, 600)
        assert np.abs(cam['c'].ravel() - [399.5, 299.5]).max() <= 15.0
        assert cam['distance'] == pytest.approx(dist)
        assert cam['elevation'] == pytest.approx(elevation)
        np.testing.assert_allclose(world_to_pixel(target, cam),
                                   cam['c'].ravel(), atol=1e-6)
        elevations.append(elevation)
        azimuths.append(azimuth)
    # the draws spread over the ranges
    assert np.ptp(elevations) > 20 and np.ptp(azimuths) > 120


def test_random_rig_sees_a_walking_person():
    rng = np.random.default_rng(1)
    poses = walking_poses(np.linspace(0, 2 * np.pi, 8))
    for cam in random_rig(rng, 20):
        for pose in poses:
            cam_pts = world_to_camera(pose, cam['R'], cam['T'])
            assert (cam_pts[:, 2] > 1.5).all()
            uv = world_to_pixel(pose, cam)
            assert uv[HEAD, 1] < uv[ANKLES, 1].min()
            assert (uv > 0).all() and (uv < 1000).all()
