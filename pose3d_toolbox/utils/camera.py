"""Camera geometry shared by every dataset, codec and renderer.

Conventions (one place, see ``../shared/docs/methods.md``):

* Camera coordinates follow OpenCV: x right, y down, z forward, metres.
* Extrinsics are stored as in MMPose's Human3.6M ``cameras.pkl``: ``R``
  (3x3) and ``T`` (3x1, metres, the camera centre in world coordinates),
  applied to row vectors: ``X_cam = (X_world - T^T) @ R`` and
  ``X_world = X_cam @ R^T + T^T``.
* Intrinsics: focal lengths ``f`` (2x1, pixels), principal point ``c``
  (2x1, pixels), radial ``k`` (3x1) and tangential ``p`` (2x1) distortion,
  image size ``w``, ``h``.

The functions take numpy arrays or torch tensors of shape ``(..., 3)`` and
broadcast over leading dimensions.
"""
import numpy as np

CAMERA_KEYS = ('R', 'T', 'c', 'f', 'k', 'p', 'w', 'h')


def _as(x, like):
    """Return ``x`` as an array/tensor of the same kind and dtype as ``like``.

    A tensor ``x`` keeps its autograd graph and moves to ``like``'s device
    (``np.asarray`` would fail on a tensor that requires grad or lives on a
    GPU).
    """
    if hasattr(like, 'new_tensor'):
        if hasattr(x, 'detach'):
            return x.to(dtype=like.dtype, device=like.device)
        return like.new_tensor(np.asarray(x, dtype=np.float64))
    if hasattr(x, 'detach'):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=like.dtype if like.dtype.kind == 'f' else
                      np.float64)


def world_to_camera(points, R, T):
    """``(..., 3)`` world points -> camera coordinates, ``(X - T^T) @ R``."""
    return (points - _as(T, points).reshape(3)) @ _as(R, points)


def camera_to_world(points, R, T):
    """``(..., 3)`` camera points -> world coordinates, ``X @ R^T + T^T``."""
    return points @ _as(R, points).T + _as(T, points).reshape(3)


def _intrinsic(x, like):
    """A camera's vector (``f``, ``c``, ``k``, ``p``) shaped to broadcast
    against ``like`` ``(..., n)``: one camera's ``(n,)`` / ``(n, 1)`` ->
    ``(n,)``; a batch's ``(B, n)`` / ``(B, n, 1)``, one camera per item of
    ``like``'s first axis -> ``(B, 1, ..., n)``."""
    arr = _as(x, like)
    if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1):
        return arr.reshape(-1)
    return arr.reshape((arr.shape[0], ) + (1, ) * (like.ndim - 2) + (-1, ))


def camera_to_pixel(points, f, c, k=None, p=None):
    """Project ``(..., 3)`` camera points to ``(..., 2)`` pixels.

    Pinhole ``u = f * x / z + c``; with ``k``/``p`` given, the distortion
    of Human3.6M's own ``ProjectPointRadial.m`` is applied to the normalised
    coordinates ``x_n = (x/z, y/z)``, ``r^2 = |x_n|^2``::

        x_d = x_n * (1 + k1 r^2 + k2 r^4 + k3 r^6 + p2 x + p1 y)
              + r^2 * (p2, p1)

    (OpenCV's and MMPose's form doubles the tangential term inside the
    bracket; with Human3.6M's published ``p`` the two differ by < 1 px.)

    The intrinsics are one camera's (``f (2, 1)`` ...) or one per item of
    the points' first axis (``f (B, 2, 1)`` or ``(B, 2)`` for points
    ``(B, ..., 3)``); each item is then projected exactly as alone.
    """
    xy = points[..., :2] / points[..., 2:3]
    if k is not None or p is not None:
        r2 = (xy**2).sum(-1, keepdims=True)
        radial = 1.0
        if k is not None:
            kk = _intrinsic(k, xy)
            radial = 1 + sum(kk[..., i:i + 1] * r2**(i + 1)
                             for i in range(kk.shape[-1]))
        tangential = 0.0
        pp = None
        if p is not None:
            pp = _intrinsic(p, xy)
            tangential = pp[..., 1:2] * xy[..., 0:1] + \
                pp[..., 0:1] * xy[..., 1:2]
        xy = xy * (radial + tangential)
        if pp is not None:
            xy = xy + r2 * pp[..., [1, 0]]
    return xy * _intrinsic(f, xy) + _intrinsic(c, xy)


def stack_cameras(cameras, keys=('f', 'c', 'k', 'p', 'w', 'h')) -> dict:
    """The cameras of a batch as arrays: per key, ``(B, n)`` float64 for
    the vectors (``f``, ``c``, ``k``, ``p``; for :func:`camera_to_pixel`)
    and ``(B,)`` for the image size ``w``, ``h``. A key no camera has is
    ``None``; one that only some cameras have is an error."""
    out = {}
    for key in keys:
        values = [cam.get(key) for cam in cameras]
        missing = sum(v is None for v in values)
        if missing == len(values):
            out[key] = None
            continue
        if missing:
            raise ValueError(f'stack_cameras: {missing} of {len(values)} '
                             f'cameras have no {key!r}; give every camera '
                             'of the batch the same keys')
        arr = np.array(values, np.float64).reshape(len(values), -1)
        out[key] = arr[:, 0] if key in ('w', 'h') else arr
    return out


def pixel_to_camera(pixels, depth, f, c):
    """Back-project ``(..., 2)`` pixels at ``(...)`` depth z (no distortion).

    The inverse of :func:`camera_to_pixel` without distortion:
    ``x = (u - c) * z / f``. ``depth`` may also be a scalar or anything that
    broadcasts against ``pixels[..., 0]``.
    """
    xy = (pixels - _as(c, pixels).reshape(2)) / _as(f, pixels).reshape(2)
    z = _as(depth, xy)[..., None]
    if hasattr(xy, 'new_tensor'):
        import torch
        xy, z = torch.broadcast_tensors(xy, z)
        return torch.cat([xy * z, z[..., :1]], dim=-1)
    xy, z = np.broadcast_arrays(xy, z)
    return np.concatenate([xy * z, z[..., :1]], axis=-1)


def world_to_pixel(points, camera, distort=False):
    """Project world points with a camera dict holding ``CAMERA_KEYS``."""
    cam = world_to_camera(points, camera['R'], camera['T'])
    return camera_to_pixel(cam, camera['f'], camera['c'],
                           camera.get('k') if distort else None,
                           camera.get('p') if distort else None)


def validate_camera(camera, source='camera'):
    """Check a camera dict and return it with numpy arrays of the right shape.

    Raises a ``ValueError`` naming ``source`` and the offending key.
    """
    shapes = dict(R=(3, 3), T=(3, 1), c=(2, 1), f=(2, 1), k=(3, 1), p=(2, 1))
    out = {}
    for key in ('R', 'T', 'c', 'f', 'w', 'h'):
        if key not in camera:
            raise ValueError(f'{source}: camera key {key!r} is missing; a '
                             f'camera needs {CAMERA_KEYS} (k, p optional)')
    for key, value in camera.items():
        if key in shapes:
            arr = np.asarray(value, dtype=np.float64)
            if arr.size != int(np.prod(shapes[key])):
                raise ValueError(f'{source}: camera key {key!r} has shape '
                                 f'{arr.shape}, expected {shapes[key]}')
            out[key] = arr.reshape(shapes[key])
        else:
            out[key] = value
    return out


def weak_perspective_root(keypoints_2d, pose_rel, f, root_index=0):
    """Closed-form absolute root from 2D and a root-relative 3D pose.

    The learning-free baseline of AbsPoseLifter's Table 3 (Mehta et al.,
    3DV 2017): under weak perspective at the root depth ``Z``,
    ``a_i = f (P~_i,xy + R_xy) / Z`` for the principal-point-centred pixels
    ``a_i``. Least squares over all joints and both axes eliminates
    ``R_xy`` and gives::

        Z = f * sum_i (a_i - mean a) . (P~_i,xy - mean P~_xy)
                / sum_i |a_i - mean a|^2

    and ``R_x, R_y`` come from back-projecting the root's pixel at ``Z``
    (paper Eq. 5). With ``fx != fy`` the x and y pixels are divided by
    their own focal lengths first (``f = 1`` in normalised coordinates).

    Args:
        keypoints_2d: ``(N, J, 2)`` pixels minus the principal point.
        pose_rel: ``(N, J, 3)`` root-relative pose, metres.
        f: ``(N, 2)`` or ``(2,)`` focal lengths, pixels.
        root_index: the root joint.

    Returns:
        ``(N, 3)`` root positions in camera coordinates, metres.
    """
    a = np.asarray(keypoints_2d, np.float64) / np.broadcast_to(
        np.asarray(f, np.float64).reshape(-1, 1, 2),
        (len(keypoints_2d), 1, 2))
    rel = np.asarray(pose_rel, np.float64)[..., :2]
    da = a - a.mean(1, keepdims=True)
    dp = rel - rel.mean(1, keepdims=True)
    depth = (da * dp).sum((1, 2)) / np.maximum((da**2).sum((1, 2)), 1e-12)
    xy = a[:, root_index] * depth[:, None]
    return np.concatenate([xy, depth[:, None]], axis=1)


def bone_length_root_depth(keypoints_2d, rel_depth, f, c, bones,
                           bone_lengths, max_depth: float = np.inf,
                           iterations: int = 20):
    """Root depth from 2D joints and root-relative depths, by fitting the
    skeleton's bone lengths (no ground truth needed).

    An image model predicts each joint's pixel ``u_i`` and its depth
    ``d_i`` relative to the root, but not the root depth ``Z``: under a
    pinhole camera every ``Z`` gives a 3D pose, ``P_i(Z) = (Z + d_i) a_i``
    with the viewing ray ``a_i = ((u_i - c_x) / f_x, (v_i - c_y) / f_y,
    1)``, only of another size. Metric bone lengths fix the size. Each bone
    ``k = (child, parent)`` is affine in ``Z``::

        B_k(Z) = P_child - P_parent = Z g_k + h_k,
        g_k = a_child - a_parent,  h_k = d_child a_child - d_parent a_parent

    and ``Z`` minimises the squared bone-length residuals against the mean
    lengths ``L_k``::

        E(Z) = sum_k (|Z g_k + h_k| - L_k)^2

    Start: the ``Z`` matching the summed squared lengths,
    ``sum_k |Z g_k + h_k|^2 = sum_k L_k^2``, a quadratic
    ``A Z^2 + 2 B Z + C = 0`` (``A = sum |g_k|^2``, ``B = sum g_k . h_k``,
    ``C = sum |h_k|^2 - sum L_k^2``): of its two roots (its vertex
    ``-B / A`` when it has none) the one of lower ``E``; for a person near
    the optical axis ``C < 0`` and only the larger root is in front of the
    camera. Then Gauss-Newton on ``E`` with step
    halving: ``r_k = |B_k| - L_k``, ``dr_k / dZ = B_k . g_k / |B_k|``,
    ``Z <- Z - sum r_k r_k' / sum r_k'^2``. When the pose's bones have
    exactly the lengths ``L_k`` the answer is exact (``E = 0``); otherwise
    its error is about the relative difference of the person's size from
    the mean (5 % of 5 m is 25 cm).

    Args:
        keypoints_2d: ``(N, J, 2)`` image pixels (undistorted).
        rel_depth: ``(N, J)`` depths relative to the root, metres
            (``Z_i - Z_root``).
        f, c: ``(N, 2)`` or ``(2,)`` focal lengths and principal points,
            pixels.
        bones: ``(B, 2)`` (child, parent) joint pairs
            (:attr:`~pose3d_toolbox.skeletons.Skeleton.bones`).
        bone_lengths: ``(B,)`` mean lengths, metres; NaN leaves a bone out.
        max_depth: the largest root depth returned, metres. A prediction
            collapsed to a point (an untrained model's) fits only at
            ``Z -> inf``; the limit keeps its decoding finite and stable.
        iterations: Gauss-Newton steps (it converges in a few).

    Returns:
        ``(N,)`` root depths, metres, at most ``max_depth``; every joint is
        at least 1 cm in front of the camera.
    """
    kp = np.asarray(keypoints_2d, np.float64)
    N = len(kp)
    f = np.broadcast_to(np.asarray(f, np.float64).reshape(-1, 1, 2),
                        (N, 1, 2))
    c = np.broadcast_to(np.asarray(c, np.float64).reshape(-1, 1, 2),
                        (N, 1, 2))
    d = np.asarray(rel_depth, np.float64)
    rays = np.concatenate([(kp - c) / f, np.ones(kp.shape[:2] + (1, ))], -1)
    bones = np.asarray(bones, np.int64).reshape(-1, 2)
    lengths = np.asarray(bone_lengths, np.float64).reshape(-1)
    if len(lengths) != len(bones):
        raise ValueError(f'bone_length_root_depth: {len(lengths)} bone '
                         f'lengths for {len(bones)} bones')
    use = np.isfinite(lengths)
    if not use.any():
        raise ValueError('bone_length_root_depth: every bone length is NaN')
    bones, lengths = bones[use], lengths[use]
    child, parent = bones[:, 0], bones[:, 1]
    g = rays[:, child] - rays[:, parent]  # (N, B, 3)
    h = d[:, child, None] * rays[:, child] - d[:, parent, None] * rays[:,
                                                                      parent]
    # the depth below which a joint would be behind the camera
    z_min = 0.01 - d.min(1)
    z_max = np.maximum(float(max_depth), z_min)

    def energy(z):
        return ((np.linalg.norm(z[:, None, None] * g + h, axis=-1)
                 - lengths)**2).sum(-1)

    # all joints on one pixel leave Z free: A = 0 would divide by zero
    A = np.maximum((g * g).sum((1, 2)), 1e-300)
    B = (g * h).sum((1, 2))
    C = (h * h).sum((1, 2)) - (lengths**2).sum()
    disc = np.sqrt(np.maximum(B * B - A * C, 0))
    # both roots of the quadratic (equal to the vertex without real roots)
    starts = np.clip(np.stack([(-B + disc) / A, (-B - disc) / A]), z_min,
                     z_max)
    energies = np.stack([energy(start) for start in starts])
    best = energies.argmin(0)
    z = np.take_along_axis(starts, best[None], 0)[0]
    e = np.take_along_axis(energies, best[None], 0)[0]
    for _ in range(iterations):
        bone = z[:, None, None] * g + h
        norm = np.maximum(np.linalg.norm(bone, axis=-1), 1e-12)
        r = norm - lengths
        dr = (bone * g).sum(-1) / norm
        step = (r * dr).sum(-1) / np.maximum((dr * dr).sum(-1), 1e-12)
        for _ in range(30):  # halve until the energy does not grow
            new = np.clip(z - step, z_min, z_max)
            e_new = energy(new)
            worse = e_new > e
            if not worse.any():
                break
            step = np.where(worse, step / 2, step)
        z, e = np.where(worse, z, new), np.where(worse, e, e_new)
    return z
