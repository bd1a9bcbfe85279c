"""Hypothesis strategies shared by the property tests: poses, cameras and
rotations in the ranges the toolbox meets (person-sized, metres)."""
import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

SKELETONS = ('h36m', 'mpi_inf_3dhp')  # roots at joint 0 and joint 14


def finite(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False,
                     width=64)


def offsets(shape, scale=1.0):
    """``shape`` array of offsets in ``[-scale, scale]``."""
    return arrays(np.float64, shape, elements=finite(-scale, scale))


@st.composite
def rotations(draw):
    """A ``(3, 3)`` rotation from a unit quaternion (every rotation is
    reachable, none is favoured by a small set of angles)."""
    q = draw(arrays(np.float64, 4, elements=finite(-1, 1)))
    n = np.linalg.norm(q)
    assume(n > 0.1)
    w, x, y, z = q / n
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


@st.composite
def cameras(draw):
    """A pinhole camera: ``fx != fy`` in general, any principal point."""
    f = draw(arrays(np.float64, (2, 1), elements=finite(300, 3000)))
    c = draw(arrays(np.float64, (2, 1), elements=finite(0, 1500)))
    return dict(R=np.eye(3), T=np.zeros((3, 1)), f=f, c=c, w=1500, h=1200)


@st.composite
def poses(draw, num_joints, frames=1):
    """``(frames, J, 3)`` camera-space poses: a centre 1.5-20 m in front of
    the camera and joints within 1 m of it (so every z >= 0.5)."""
    centre = np.array([draw(finite(-2, 2)), draw(finite(-2, 2)),
                       draw(finite(1.5, 20))])
    return centre + draw(offsets((frames, num_joints, 3)))


def well_spread(pose, min_singular=0.05):
    """Whether a ``(J, 3)`` pose spans 3D (a degenerate pose has no unique
    rotation): its centred singular values all exceed ``min_singular``."""
    s = np.linalg.svd(pose - pose.mean(0), compute_uv=False)
    return bool(s[-1] > min_singular)
