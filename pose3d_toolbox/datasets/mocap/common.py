"""What the mocap readers share: the world frame, rotations, format errors.

World frame of everything the toolbox stores: **Z-up, metres, right-handed**.
Motion-capture formats are usually Y-up (CMU's ASF/AMC files are); such data
is turned into the world frame by the proper rotation (+90 degrees about x)::

    (x, y, z)  ->  (x, -z, y)

which keeps the handedness (determinant +1), so a subject's left side stays
on its left. Every array of points here is ``(..., 3)`` and row-vector style.
"""
import numpy as np


class MocapFormatError(ValueError):
    """A malformed motion-capture file; the message starts ``path:line:``.

    Attributes:
        path: the file.
        lineno: 1-based line number, or ``None`` when it concerns the file.
    """

    def __init__(self, path, lineno, message):
        self.path, self.lineno = str(path), lineno
        where = f'{path}:{lineno}' if lineno is not None else str(path)
        super().__init__(f'{where}: {message}')


def read_lines(path):
    """Lines of a text file, tolerant of CRLF/CR line ends."""
    with open(path, 'r', encoding='utf-8', errors='replace',
              newline=None) as f:
        return f.read().splitlines()


#: ``p_world = Y_UP_TO_Z_UP @ p_yup`` for column vectors, i.e. (x, -z, y).
Y_UP_TO_Z_UP = np.array([[1., 0., 0.], [0., 0., -1.], [0., 1., 0.]])


def y_up_to_z_up(points: np.ndarray) -> np.ndarray:
    """``(..., 3)`` Y-up points -> the Z-up world frame, ``(x, -z, y)``."""
    points = np.asarray(points)
    return np.stack([points[..., 0], -points[..., 2], points[..., 1]], -1)


def axis_rotation(axis: str, angle: np.ndarray) -> np.ndarray:
    """Right-handed rotation matrices about ``axis`` ('x', 'y' or 'z').

    Args:
        axis: one of ``xyzXYZ``.
        angle: ``(...)`` angles in radians.

    Returns:
        ``(..., 3, 3)`` matrices acting on column vectors.
    """
    angle = np.asarray(angle, dtype=np.float64)
    c, s = np.cos(angle), np.sin(angle)
    one, zero = np.ones_like(angle), np.zeros_like(angle)
    axis = axis.lower()
    if axis == 'x':
        rows = ((one, zero, zero), (zero, c, -s), (zero, s, c))
    elif axis == 'y':
        rows = ((c, zero, s), (zero, one, zero), (-s, zero, c))
    elif axis == 'z':
        rows = ((c, -s, zero), (s, c, zero), (zero, zero, one))
    else:
        raise ValueError(f'unknown rotation axis {axis!r}; use x, y or z')
    return np.stack([np.stack(r, -1) for r in rows], -2)


def euler_to_matrix(angles: np.ndarray, axes: str,
                    degrees: bool = True) -> np.ndarray:
    """Compose rotations about fixed axes, applied in the order given.

    ``axes='XYZ'`` rotates about x first, then y, then z, so the matrix is
    ``Rz @ Ry @ Rx`` (the ASF/AMC convention). BVH lists its channels the
    other way round (``Zrotation Xrotation Yrotation`` means ``Rz @ Rx @
    Ry``); :mod:`.bvh` passes its order reversed.

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
