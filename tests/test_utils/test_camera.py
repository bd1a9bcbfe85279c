"""Camera geometry: conventions, inverses, distortion, numpy/torch parity."""
import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from pose3d_toolbox.utils.camera import (camera_to_pixel, camera_to_world,
                                         pixel_to_camera, validate_camera,
                                         world_to_camera, world_to_pixel)

F = np.array([[1145.0], [1143.8]])
C = np.array([[512.5], [515.4]])
K = np.array([[-0.207], [0.248], [-0.003]])
P = np.array([[-0.00098], [-0.00142]])


def _camera(seed=0):
    rng = np.random.default_rng(seed)
    R = Rotation.random(random_state=seed).as_matrix()
    T = rng.uniform(-5, 5, (3, 1))
    return R, T


def _points_in_front(seed=0, n=50):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.uniform(-1, 1, (n, 2)),
                           rng.uniform(2, 8, (n, 1))], axis=1)


def test_world_camera_round_trip():
    R, T = _camera()
    pts = np.random.default_rng(1).normal(size=(4, 17, 3))
    cam = world_to_camera(pts, R, T)
    np.testing.assert_allclose(camera_to_world(cam, R, T), pts, atol=1e-12)
    # distances are preserved (R is a rotation) and T is the camera centre
    np.testing.assert_allclose(np.linalg.norm(cam - cam[:, :1], axis=-1),
                               np.linalg.norm(pts - pts[:, :1], axis=-1))
    np.testing.assert_allclose(world_to_camera(T.T, R, T), 0, atol=1e-12)


def test_world_to_camera_hand_computed():
    # camera at (0, -5, 1) looking along world +y, world z up: camera x is
    # world x, camera y (down) is world -z, camera z (forward) is world y
    R = np.array([[1.0, 0, 0], [0, 0, 1], [0, -1, 0]])
    T = np.array([[0.0], [-5.0], [1.0]])
    cam = world_to_camera(np.array([0.5, 0.0, 2.0]), R, T)
    np.testing.assert_allclose(cam, [0.5, -1.0, 5.0])


def test_camera_to_pixel_hand_computed():
    f, c = np.array([1000.0, 1100.0]), np.array([500.0, 400.0])
    uv = camera_to_pixel(np.array([[0.5, -0.2, 4.0], [0.0, 0.0, 3.0]]), f, c)
    np.testing.assert_allclose(uv, [[625.0, 345.0], [500.0, 400.0]])


@pytest.mark.parametrize('depth_kind', ['array', 'scalar'])
def test_pixel_to_camera_inverts_camera_to_pixel(depth_kind):
    pts = _points_in_front()
    if depth_kind == 'scalar':
        pts[:, 2] = 3.5
    uv = camera_to_pixel(pts, F, C)
    depth = pts[:, 2] if depth_kind == 'array' else 3.5
    np.testing.assert_allclose(pixel_to_camera(uv, depth, F, C), pts,
                               atol=1e-12)
    # and the other way round
    np.testing.assert_allclose(
        camera_to_pixel(pixel_to_camera(uv, pts[:, 2], F, C), F, C), uv,
        atol=1e-9)


def test_zero_distortion_equals_pinhole():
    pts = _points_in_front()
    pinhole = camera_to_pixel(pts, F, C)
    np.testing.assert_allclose(
        camera_to_pixel(pts, F, C, np.zeros((3, 1)), np.zeros((2, 1))),
        pinhole, atol=1e-12)
    np.testing.assert_allclose(camera_to_pixel(pts, F, C, k=np.zeros(3)),
                               pinhole, atol=1e-12)
    np.testing.assert_allclose(camera_to_pixel(pts, F, C, p=np.zeros(2)),
                               pinhole, atol=1e-12)


def test_radial_distortion_hand_computed():
    # x_n = (0.1, 0.2): r^2 = 0.05
    k = np.array([0.1, 0.01, 0.001])
    radial = 1 + 0.1 * 0.05 + 0.01 * 0.05**2 + 0.001 * 0.05**3
    uv = camera_to_pixel(np.array([0.2, 0.4, 2.0]), np.array([1000., 1000.]),
                         np.array([500., 500.]), k=k)
    np.testing.assert_allclose(uv, [500 + 100 * radial, 500 + 200 * radial])


def test_tangential_distortion_matches_docstring():
    # Human3.6M's ProjectPointRadial.m, p = (p1, p2):
    # tan = p1 y + p2 x;  x_d = x (1 + tan) + p2 r^2;
    # y_d = y (1 + tan) + p1 r^2
    x, y, p1, p2 = 0.1, 0.2, 0.01, 0.02
    r2 = x * x + y * y
    tan = p1 * y + p2 * x
    expected = [x * (1 + tan) + p2 * r2, y * (1 + tan) + p1 * r2]
    uv = camera_to_pixel(np.array([x, y, 1.0]), np.ones(2), np.zeros(2),
                         p=np.array([p1, p2]))
    np.testing.assert_allclose(uv, expected)


@pytest.mark.parametrize('dtype', [torch.float64, torch.float32])
def test_numpy_and_torch_agree(dtype):
    R, T = _camera(3)
    world = camera_to_world(_points_in_front(3), R, T)
    tol = dict(atol=1e-9) if dtype == torch.float64 else dict(rtol=1e-4,
                                                              atol=1e-3)
    tw = torch.as_tensor(world, dtype=dtype)
    cam_np = world_to_camera(world, R, T)
    cam_t = world_to_camera(tw, R, T)
    assert isinstance(cam_t, torch.Tensor) and cam_t.dtype == dtype
    np.testing.assert_allclose(cam_t.numpy(), cam_np, **tol)
    np.testing.assert_allclose(
        camera_to_world(cam_t, R, T).numpy(), world, **tol)
    uv_np = camera_to_pixel(cam_np, F, C, K, P)
    np.testing.assert_allclose(
        camera_to_pixel(cam_t, F, C, K, P).numpy(), uv_np, **tol)
    uv_t = torch.as_tensor(uv_np, dtype=dtype)
    np.testing.assert_allclose(
        pixel_to_camera(uv_t, cam_t[:, 2], F, C).numpy(),
        pixel_to_camera(uv_np, cam_np[:, 2], F, C), **tol)
    camera = dict(R=R, T=T, f=F, c=C, k=K, p=P, w=1000, h=1002)
    for distort in (False, True):
        np.testing.assert_allclose(
            world_to_pixel(tw, camera, distort).numpy(),
            world_to_pixel(world, camera, distort), **tol)


def test_torch_camera_parameters_keep_gradients():
    R, T = _camera(4)
    rt = torch.tensor(R, requires_grad=True)
    ft = torch.tensor(F, requires_grad=True)
    pts = torch.as_tensor(camera_to_world(_points_in_front(4), R, T))
    uv = camera_to_pixel(world_to_camera(pts, rt, T), ft, C)
    uv.sum().backward()
    assert rt.grad is not None and torch.isfinite(rt.grad).all()
    assert ft.grad is not None and (ft.grad.abs() > 0).all()


def test_validate_camera_errors_name_the_key():
    R, T = _camera()
    camera = dict(R=R, T=T.ravel(), f=F.ravel(), c=C.ravel(), w=10, h=10)
    out = validate_camera(camera)
    assert out['T'].shape == (3, 1) and out['f'].shape == (2, 1)
    with pytest.raises(ValueError, match="'c'.*missing"):
        validate_camera({k: v for k, v in camera.items() if k != 'c'})
    with pytest.raises(ValueError, match="'k' has shape"):
        validate_camera(dict(camera, k=np.zeros(5)), source='cams.pkl')
