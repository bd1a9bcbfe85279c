"""``weak_perspective_root`` with a root that is not joint 0, by hand."""
import numpy as np

from pose3d_toolbox.utils import weak_perspective_root


def test_weak_perspective_root_with_root_index_2_by_hand():
    # root (joint 2) at (0.4, -0.2, 5) m; joint 0 is 0.5 m right of it,
    # joint 1 0.5 m below; fx = 1000, fy = 500; weak perspective at Z = 5
    rel = np.array([[[0.5, 0.0, 0.1], [0.0, 0.5, -0.2], [0.0, 0.0, 0.0]]])
    pix = np.array([[[180.0, -20.0], [80.0, 30.0], [80.0, -20.0]]])
    root = weak_perspective_root(pix, rel, [1000.0, 500.0], root_index=2)
    np.testing.assert_allclose(root, [[0.4, -0.2, 5.0]], rtol=1e-12)
    # per-sample focal lengths (N, 2): the second pose is the first seen
    # through a lens twice as long, and twice as far
    root = weak_perspective_root(np.concatenate([pix, 2 * pix]),
                                 np.concatenate([rel, rel]),
                                 [[1000.0, 500.0], [4000.0, 2000.0]],
                                 root_index=2)
    np.testing.assert_allclose(root, [[0.4, -0.2, 5.0], [0.4, -0.2, 10.0]],
                               rtol=1e-12)
