"""pose3d_toolbox.geometry against hand-computed values."""
import math

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from pose3d_toolbox.geometry import (apply_affine, axis_angle_rotate,
                                     axis_rotation, bbox_from_keypoints,
                                     crop_matrix, euler_to_matrix,
                                     invert_affine, lift_with_depth, look_at,
                                     perspective_project, rotate, to_3x3)


# ------------------------------------------------------------- rotations --
@pytest.mark.parametrize('axis, vector, expected', [
    ('x', (0, 1, 0), (0, 0, 1)),   # y -> z
    ('y', (0, 0, 1), (1, 0, 0)),   # z -> x
    ('z', (1, 0, 0), (0, 1, 0)),   # x -> y
])
def test_quarter_turns_move_known_vectors(axis, vector, expected):
    numpy_r = axis_rotation(axis, math.pi / 2)
    np.testing.assert_allclose(numpy_r @ vector, expected, atol=1e-12)
    torch_r = axis_rotation(axis, torch.tensor([math.pi / 2]))[0]
    v = torch.tensor(vector, dtype=torch.float)
    np.testing.assert_allclose(torch_r @ v, expected, atol=1e-7)


def test_torch_form_equals_scipy_form():
    angles = np.linspace(-3, 3, 7)
    for axis in 'xyzXYZ':
        expected = Rotation.from_euler(axis.lower(), angles[:, None]
                                       ).as_matrix()
        np.testing.assert_allclose(axis_rotation(axis, angles), expected,
                                   atol=1e-12)
        got = axis_rotation(axis, torch.as_tensor(angles))
        assert got.dtype == torch.float64
        np.testing.assert_allclose(got.numpy(), expected, atol=1e-12)
    with pytest.raises(ValueError, match='use x, y or z'):
        axis_rotation('w', 0.0)


def test_torch_rotation_keeps_shape_and_gradient():
    a = torch.zeros(2, 3, requires_grad=True)
    r = axis_rotation('y', a)
    assert r.shape == (2, 3, 3, 3)
    r[..., 0, 2].sum().backward()  # d sin(a) / da = cos(0) = 1
    np.testing.assert_allclose(a.grad, np.ones((2, 3)))


def test_euler_composes_fixed_axes_in_order():
    # x by 90 then z by 90: y -> z (x turn) -> z (z turn keeps z)
    r = euler_to_matrix([90.0, 90.0], 'XZ')
    np.testing.assert_allclose(r @ [0, 1, 0], [0, 0, 1], atol=1e-12)
    # x -> x (x turn) -> y (z turn)
    np.testing.assert_allclose(r @ [1, 0, 0], [0, 1, 0], atol=1e-12)
    np.testing.assert_allclose(
        euler_to_matrix([[10.0, 20.0, 30.0]], 'xyz')[0],
        Rotation.from_euler('xyz', [10, 20, 30], degrees=True).as_matrix(),
        atol=1e-12)
    np.testing.assert_allclose(euler_to_matrix(np.zeros((4, 0)), ''),
                               np.broadcast_to(np.eye(3), (4, 3, 3)))
    with pytest.raises(ValueError, match='2 axes'):
        euler_to_matrix([1.0, 2.0, 3.0], 'xy')


def test_axis_angle_rotation_by_hand():
    v = np.array([[1.0, 0, 0], [1.0, 0, 0]])
    axes = np.array([[0, 0, 1.0], [1.0, 0, 0]])
    out = axis_angle_rotate(v, axes, np.array([math.pi / 2, 1.0]))
    np.testing.assert_allclose(out, [[0, 1, 0], [1, 0, 0]], atol=1e-12)


def test_rotate_applies_r_to_rows():
    r = axis_rotation('z', torch.tensor([math.pi / 2]))
    pts = torch.tensor([[[1.0, 0, 0], [0, 1.0, 0]]])
    np.testing.assert_allclose(rotate(pts, r)[0], [[0, 1, 0], [-1, 0, 0]],
                               atol=1e-7)


# --------------------------------------------------------------- look_at --
def test_look_at_axes_are_orthonormal_and_point_at_the_target():
    position, target = np.array([3.0, -4.0, 1.5]), np.array([0.0, 0, 1.0])
    R = look_at(position, target)
    np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-12)
    assert np.linalg.det(R) == pytest.approx(1.0)
    forward = (target - position) / np.linalg.norm(target - position)
    np.testing.assert_allclose(R[:, 2], forward, atol=1e-12)
    assert R[2, 0] == pytest.approx(0.0, abs=1e-12)  # x axis horizontal
    assert R[2, 1] < 0  # image y (down) points down in the Z-up world
    # the target lands on the optical axis: camera coordinates (0, 0, d)
    cam = (target - position) @ R
    np.testing.assert_allclose(cam[:2], 0, atol=1e-12)
    assert cam[2] == pytest.approx(np.linalg.norm(target - position))
    # straight down along -up still gives a proper rotation
    R = look_at((0, 0, 5), (0, 0, 0))
    np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-12)
    with pytest.raises(ValueError, match='coincide'):
        look_at((1, 2, 3), (1, 2, 3))


# ---------------------------------------------------------------- affine --
def test_affine_round_trip_and_known_points():
    m = np.array([[2.0, 0.0, 10.0], [0.0, 3.0, -5.0]])
    pts = np.array([[1.0, 1.0], [0.0, 2.0]])
    np.testing.assert_allclose(apply_affine(m, pts), [[12, -2], [10, 1]])
    np.testing.assert_allclose(invert_affine(m),
                               [[0.5, 0, -5], [0, 1 / 3, 5 / 3]])
    np.testing.assert_allclose(
        apply_affine(invert_affine(m), apply_affine(m, pts)), pts)
    np.testing.assert_allclose(to_3x3(m)[2], [0, 0, 1])


def test_crop_matrix_maps_the_box_onto_the_crop():
    centre, size = bbox_from_keypoints([[100.0, 50.0], [140.0, 130.0]],
                                       padding=1.0)
    np.testing.assert_allclose(centre, [120, 90])
    np.testing.assert_allclose(size, [80, 80])  # widened to aspect 1
    m = crop_matrix(centre, size, (64, 64))
    np.testing.assert_allclose(apply_affine(m, [[120.0, 90.0]]),
                               [[31.5, 31.5]])   # centre -> crop centre
    np.testing.assert_allclose(apply_affine(m, [[160.0, 90.0]]),
                               [[63.5, 31.5]])   # box edge -> crop edge
    # 90 degrees counter-clockwise on screen: right of centre -> above
    m = crop_matrix(centre, size, (64, 64), rotation=90.0)
    np.testing.assert_allclose(apply_affine(m, [[160.0, 90.0]]),
                               [[31.5, -0.5]], atol=1e-9)


# ------------------------------------------------------------ projection --
def test_lift_then_project_returns_the_input():
    rng = np.random.default_rng(0)
    x = torch.as_tensor(rng.normal(scale=0.1, size=(8, 5, 2)),
                        dtype=torch.float32)
    x[:, 0] = 0  # normalised poses have the root at the origin
    y = lift_with_depth(x, torch.randn(8, 5))
    np.testing.assert_allclose(y[:, 0], 0, atol=1e-7)
    np.testing.assert_allclose(perspective_project(y), x, atol=1e-6)
    # the root's offset is ignored, depths are clipped at 1
    y2 = lift_with_depth(x, torch.full((8, 5), -50.0))
    np.testing.assert_allclose(y2[:, 1:, 2], -9.0)  # w = 1, root at 10
    # a point at (1, 2, 0) from the root, root at depth 10: (0.1, 0.2)
    np.testing.assert_allclose(
        perspective_project(torch.tensor([[[1.0, 2.0, 0.0]]])),
        [[[0.1, 0.2]]])
