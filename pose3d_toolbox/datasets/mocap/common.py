"""What the mocap readers share: the world frame and format errors (their
Euler rotations are :func:`pose3d_toolbox.geometry.euler_to_matrix`).

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
