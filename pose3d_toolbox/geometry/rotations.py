"""Rotations: numpy through scipy's :class:`~scipy.spatial.transform.
Rotation`, one torch form (differentiable, on the tensor's device) for the
models.

Matrices act on column vectors (``R @ v``); poses stored as rows are
rotated by :func:`rotate` (``points @ R^T``).
"""
import numpy as np
import torch
from scipy.spatial.transform import Rotation

AXES = 'xyz'


def axis_rotation(axis: str, angle):
    """Right-handed rotation matrices about ``axis`` by ``angle`` radians.

    Args:
        axis: ``'x'``, ``'y'`` or ``'z'`` (either case).
        angle: ``(...)`` angles, a numpy array (or number) or a tensor.

    Returns:
        ``(..., 3, 3)``: numpy (through scipy) for numpy input, a tensor of
        the same dtype and device (differentiable) for a tensor. About x::

            [[1, 0, 0], [0, c, -s], [0, s, c]]
    """
    axis = axis.lower()
    if axis not in AXES:
        raise ValueError(f'unknown rotation axis {axis!r}; use x, y or z')
    if torch.is_tensor(angle):
        c, s = angle.cos(), angle.sin()
        one, zero = torch.ones_like(angle), torch.zeros_like(angle)
        entries = dict(x=(one, zero, zero, zero, c, -s, zero, s, c),
                       y=(c, zero, s, zero, one, zero, -s, zero, c),
                       z=(c, -s, zero, s, c, zero, zero, zero, one))[axis]
        return torch.stack(entries, -1).view(*angle.shape, 3, 3)
    angle = np.asarray(angle, np.float64)
    if angle.size == 0:
        return np.zeros(angle.shape + (3, 3))
    matrices = Rotation.from_euler(axis, angle.reshape(-1, 1)).as_matrix()
    return matrices.reshape(angle.shape + (3, 3))


def euler_to_matrix(angles, axes: str, degrees: bool = True) -> np.ndarray:
    """Compose rotations about fixed axes, applied in the order given.

    ``axes='XYZ'`` rotates about x first, then y, then z, so the matrix is
    ``Rz @ Ry @ Rx`` (the ASF/AMC convention; scipy's extrinsic ``'xyz'``).
    BVH lists its channels the other way round (``Zrotation Xrotation
    Yrotation`` means ``Rz @ Rx @ Ry``); its reader passes the order
    reversed.

    Args:
        angles: ``(..., len(axes))`` angles, one per letter of ``axes``.
        axes: letters from ``xyzXYZ``; an empty string gives the identity.
        degrees: whether ``angles`` are in degrees (else radians).

    Returns:
        ``(..., 3, 3)`` rotation matrices.
    """
    angles = np.asarray(angles, dtype=np.float64)
    if angles.shape[-1:] != (len(axes), ):
        raise ValueError(f'{len(axes)} axes {axes!r} but angles of shape '
                         f'{angles.shape}')
    if degrees:
        angles = np.deg2rad(angles)
    out = np.broadcast_to(np.eye(3), angles.shape[:-1] + (3, 3)).copy()
    for i, axis in enumerate(axes):
        out = axis_rotation(axis, angles[..., i]) @ out
    return out


def axis_angle_rotate(vectors, axes, angles) -> np.ndarray:
    """Rotate ``(N, 3)`` vectors about unit ``(N, 3)`` axes by ``(N,)``
    radians (right-handed; Rodrigues' formula, through scipy)."""
    rotvec = np.asarray(axes, np.float64) * np.asarray(angles,
                                                       np.float64)[:, None]
    return Rotation.from_rotvec(rotvec).apply(vectors)


def rotate(points: torch.Tensor, rotations: torch.Tensor) -> torch.Tensor:
    """Apply ``R`` to every row: ``(N, J, 3), (N, 3, 3) -> (N, J, 3)``."""
    return points @ rotations.transpose(-1, -2)


def look_at(camera_position, target, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """Rotation ``R`` of a camera at ``camera_position`` looking at
    ``target``, with image "up" (-y) as close to ``up`` as possible.

    Returns:
        ``(3, 3)`` array whose columns are the camera's x (right), y (down)
        and z (forward) axes in world coordinates, so that
        ``X_cam = (X_world - position) @ R`` (the camera convention of
        :mod:`pose3d_toolbox.utils.camera`).
    """
    position = np.asarray(camera_position, np.float64).reshape(3)
    forward = np.asarray(target, np.float64).reshape(3) - position
    if np.linalg.norm(forward) < 1e-9:
        raise ValueError(f'look_at: camera position {position} and target '
                         'coincide; the viewing direction is undefined')
    forward /= np.linalg.norm(forward)
    up = np.asarray(up, np.float64).reshape(3)
    right = np.cross(forward, up)
    if np.linalg.norm(right) < 1e-6:
        # looking straight along ``up``: any image orientation is valid,
        # pick the world axis least aligned with the view
        right = np.cross(forward, np.eye(3)[np.argmin(np.abs(forward))])
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    return np.stack([right, down, forward], axis=1)
