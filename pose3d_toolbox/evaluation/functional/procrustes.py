"""Similarity Procrustes alignment and PA-MPJPE, batched and chunked.

Definition (``shared/docs/methods.md``, "Shared conventions"): PA-MPJPE is
the MPJPE after a similarity Procrustes alignment of the prediction onto the
ground truth -- rotation, translation and isotropic scale -- with
reflections excluded. The solution is Umeyama's (IEEE TPAMI 1991): with the
centred poses ``Y0`` (prediction) and ``X0`` (ground truth), each ``(J, 3)``
with joints as rows, and ``H = Y0^T X0 = U diag(sigma) V^T``,

- rotation (row-vector form, ``aligned = s * Y0 @ Q + mean(X)``):
  ``Q = U diag(1, 1, d) V^T`` with ``d = sign(det(U) det(V))``, so
  ``det(Q) = +1``: a mirrored prediction is *not* mirrored back;
- scale: ``s = trace(Q^T H) / ||Y0||_F^2 = (sigma_1 + sigma_2 + d sigma_3)
  / ||Y0||_F^2``.

Degenerate poses (all joints at one point, e.g. zeros) get ``s = 0``: the
aligned pose collapses onto the ground-truth centroid, which is the
least-squares optimum over all scales ``s >= 0`` and is finite.

How the rotation is computed -- Horn's unit-quaternion form of the same
problem (J. Opt. Soc. Am. A 4(4), 1987): the best proper
rotation is the quaternion ``q`` of the largest eigenvalue ``lambda`` of the
symmetric, traceless ``4 x 4`` matrix ``N(H)``, and ``lambda = max_Q
trace(Q^T H) = sigma_1 + sigma_2 + d sigma_3``: Umeyama's rotation with the
reflection excluded, and the numerator of his scale. Both steps are closed
form, about a hundred elementwise numpy operations over all poses of a chunk
at once (several times faster than a batched LAPACK SVD of ``(n, 3, 3)``):

1. ``lambda`` is the largest root of ``det(N - l I) = l^4 + c2 l^2 + c1 l +
   c0``, ``c2 = -2 ||H||_F^2``, ``c1 = -8 det H``, ``c0 = ||H||_F^4 - 4
   ||cof H||_F^2`` (the roots are ``tau_1 + tau_2 + tau_3`` and its three
   sign-flipped partners, ``tau`` the signed singular values), found by
   Newton's method from ``sqrt(||H||_F^2 + 2 sqrt(3) ||cof H||_F) >=
   sigma_1 + sigma_2 + sigma_3``, above every root, where it decreases
   monotonically (Theobald's "QCP", Acta Cryst. A 61, 2005);
2. ``-adj(N - lambda I) = mu q q^T`` with ``mu > 0`` the product of the gaps
   to the other three eigenvalues, so ``q q^T`` -- all the rotation matrix
   needs, its entries being quadratic in ``q`` -- is that adjugate over its
   trace.

Where the largest eigenvalue is (nearly) repeated the rotation is not
unique (collinear or single-point poses): ``mu`` vanishes and the adjugate
has no direction. Those poses -- ``mu / lambda^3 < 1e-2``, an eigenvalue gap
under about ``6e-4 lambda``, where the closed form's rounding would grow
past ``1e-11`` -- and non-finite ones are solved by the SVD above instead,
so every pose gets the SVD's answer to rounding (tested to 1e-6 mm against
a per-pose SVD on random, coplanar, mirrored and identical poses).

Inputs in metres; :func:`pa_mpjpe` returns millimetres.
"""
import functools

import numpy as np

from ._utils import M_TO_MM, check_pair

#: Poses per chunk: 4096 x 17 x 3 float64 is 1.7 MB per temporary and each
#: per-pose array of the closed form 32 kB, so a chunk's working set stays
#: in cache while numpy's per-call overhead is amortised.
DEFAULT_CHUNK_SIZE = 4096

# Squared Frobenius norm (m^2) of a centred pose below which it is treated
# as a single point (joint spread under ~1e-10 m): its scale is set to 0.
_DEGENERATE_SQ_NORM = 1e-20

# mu / lambda^3 below which a pose is handed to the SVD (see the docstring).
_MIN_GAP = 1e-2
# Newton stops once every step is below this fraction of lambda; the step
# after that leaves only rounding (quadratic convergence).
_NEWTON_RTOL = 1e-12
_NEWTON_MAX_ITER = 60


def _det3(m: np.ndarray) -> np.ndarray:
    """Determinants of ``(n, 3, 3)`` matrices (closed form, vectorised)."""
    return (m[:, 0, 0] * (m[:, 1, 1] * m[:, 2, 2] - m[:, 1, 2] * m[:, 2, 1])
            - m[:, 0, 1] * (m[:, 1, 0] * m[:, 2, 2] - m[:, 1, 2] * m[:, 2, 0])
            + m[:, 0, 2] * (m[:, 1, 0] * m[:, 2, 1] - m[:, 1, 1] * m[:, 2, 0]))


def svd_rotation(h: np.ndarray):
    """Umeyama's reflection-free rotation by a batched SVD.

    Args:
        h: ``(n, 3, 3)`` float64 cross-covariances ``H = Y0^T X0``.

    Returns:
        tuple: ``rot`` ``(n, 3, 3)``, the row-vector rotation ``Q`` (``det =
        +1``), and ``trace`` ``(n,)``, ``trace(Q^T H) = sigma_1 + sigma_2 +
        d sigma_3``.
    """
    u, _, vt = np.linalg.svd(h)
    # Exclude reflections: flip the last singular vector when det(U V^T) < 0.
    d = np.where(_det3(u) * _det3(vt) < 0, -1.0, 1.0)
    u[:, :, 2] *= d[:, None]
    rot = np.matmul(u, vt)
    return rot, (rot * h).sum((1, 2))


def closed_form_rotation(h: np.ndarray):
    """The same rotation and trace as :func:`svd_rotation`, in closed form
    (Horn's quaternion, see the module docstring); poses where that is
    ill-conditioned or non-finite fall back to :func:`svd_rotation`.

    Args:
        h: ``(n, 3, 3)`` float64 cross-covariances ``H = Y0^T X0``.

    Returns:
        tuple: ``rot`` ``(n, 3, 3)`` and ``trace`` ``(n,)``, as
        :func:`svd_rotation`.
    """
    with np.errstate(invalid='ignore', over='ignore', divide='ignore'):
        return _closed_form_rotation(h)


def _closed_form_rotation(h):
    n = h.shape[0]
    hs = np.ascontiguousarray(h.reshape(n, 9).T)  # (9, n), rows contiguous
    sxx, sxy, sxz, syx, syy, syz, szx, szy, szz = hs
    # Characteristic polynomial of N(H) from invariants of H: the first
    # row of cof(H) (signed) gives det H, all nine minors ||cof H||^2.
    m00 = syy * szz - syz * szy
    m01 = syx * szz - syz * szx
    m02 = syx * szy - syy * szx
    cof2 = m00 * m00 + m01 * m01 + m02 * m02
    for m in (sxy * szz - sxz * szy, sxx * szz - sxz * szx,
              sxx * szy - sxy * szx, sxy * syz - sxz * syy,
              sxx * syz - sxz * syx, sxx * syy - sxy * syx):
        cof2 += m * m
    fro2 = np.einsum('kn,kn->n', hs, hs)
    c2 = -2.0 * fro2
    c1 = -8.0 * (sxx * m00 - sxy * m01 + sxz * m02)
    c0 = fro2 * fro2 - 4.0 * cof2

    # Start above every root: sigma_1 + sigma_2 + sigma_3 <= sqrt(||H||^2 +
    # 2 sqrt(3 ||cof H||^2)) (Cauchy-Schwarz on the products sigma_i
    # sigma_j, whose squares sum to ||cof H||^2).
    lam = np.sqrt(fro2 + 2.0 * np.sqrt(3.0 * cof2))
    converged = False
    for _ in range(_NEWTON_MAX_ITER):
        lam2 = lam * lam
        step = ((lam2 + c2) * lam2 + c1 * lam + c0) / (
            (4.0 * lam2 + 2.0 * c2) * lam + c1)
        lam -= step
        if not (np.abs(step) > _NEWTON_RTOL * lam).any():  # NaN: fallback
            converged = True
            break

    # A = N(H) - lambda I (Horn's matrix with S_ab = H[a, b]).
    a00 = sxx + syy + szz - lam
    a11 = sxx - syy - szz - lam
    a22 = syy - sxx - szz - lam
    a33 = szz - sxx - syy - lam
    a01, a02, a03 = syz - szy, szx - sxz, sxy - syx
    a12, a13, a23 = sxy + syx, szx + sxz, syz + szy
    # -adj(A) = mu q q^T by Laplace expansion in the 2x2 minors of rows
    # (0, 1) (s) and rows (2, 3) (t); q = (w, x, y, z).
    s0 = a00 * a11 - a01 * a01
    s1 = a00 * a12 - a01 * a02
    s2 = a00 * a13 - a01 * a03
    s3 = a01 * a12 - a11 * a02
    s4 = a01 * a13 - a11 * a03
    s5 = a02 * a13 - a12 * a03
    t1 = a02 * a23 - a03 * a22
    t2 = a02 * a33 - a03 * a23
    t3 = a12 * a23 - a13 * a22
    t4 = a12 * a33 - a13 * a23
    t5 = a22 * a33 - a23 * a23
    ww = a12 * t4 - a11 * t5 - a13 * t3
    wx = a01 * t5 - a02 * t4 + a03 * t3
    wy = a23 * s4 - a13 * s5 - a33 * s3
    wz = a12 * s5 - a22 * s4 + a23 * s3
    xx = a02 * t2 - a00 * t5 - a03 * t1
    xy = a03 * s5 - a23 * s2 + a33 * s1
    xz = a22 * s2 - a02 * s5 - a23 * s1
    yy = a13 * s2 - a03 * s4 - a33 * s0
    yz = a02 * s4 - a12 * s2 + a23 * s0
    zz = a12 * s1 - a02 * s3 - a22 * s0
    mu = ww + xx + yy + zz  # mu |q|^2, |q| = 1
    inv, two_inv = 1.0 / mu, 2.0 / mu
    # Row-vector Q = R(q)^T, R(q) the quaternion's rotation matrix
    # (column vectors).
    rot = np.empty((n, 3, 3))
    rot[:, 0, 0] = (ww + xx - yy - zz) * inv
    rot[:, 0, 1] = (xy + wz) * two_inv
    rot[:, 0, 2] = (xz - wy) * two_inv
    rot[:, 1, 0] = (xy - wz) * two_inv
    rot[:, 1, 1] = (ww - xx + yy - zz) * inv
    rot[:, 1, 2] = (yz + wx) * two_inv
    rot[:, 2, 0] = (xz + wy) * two_inv
    rot[:, 2, 1] = (yz - wx) * two_inv
    rot[:, 2, 2] = (ww - xx - yy + zz) * inv

    ok = mu > _MIN_GAP * lam**3  # False for NaN / zero H
    if not converged:
        ok &= np.abs(step) <= _NEWTON_RTOL * lam
    redo = np.flatnonzero(~ok)
    if redo.size:
        rot[redo], lam[redo] = svd_rotation(h[redo])
    return rot, lam


@functools.lru_cache(maxsize=8)
def _mean_matrix(num_joints: int) -> np.ndarray:
    """``(J * 3, 3)``: ``pose.reshape(n, J * 3) @ M`` is the joints' mean
    (one BLAS call instead of a strided reduction)."""
    return np.tile(np.eye(3), (num_joints, 1)) / num_joints


def _centre(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``x - mean`` for ``(n, J, 3)`` and ``(n, 1, 3)``, one coordinate at a
    time: twice as fast as the broadcast, whose inner loop has length 3."""
    out = np.empty_like(x)
    for k in range(3):
        np.subtract(x[..., k], mean[..., k], out=out[..., k])
    return out


def _fit(pred: np.ndarray, gt: np.ndarray):
    """Solve the similarity Procrustes problem for one chunk.

    Args:
        pred: ``(n, J, 3)`` float64 predictions.
        gt: ``(n, J, 3)`` float64 ground truth.

    Returns:
        tuple: ``pred_c`` ``(n, J, 3)`` centred prediction, ``gt_c``
        ``(n, J, 3)`` centred ground truth, ``rot`` ``(n, 3, 3)`` the
        row-vector rotation ``Q``, ``scale`` ``(n,)``, ``pred_mean`` and
        ``gt_mean`` ``(n, 1, 3)``, ``bad`` ``(n,)`` poses with non-finite
        input (their outputs are NaN).
    """
    n, num_joints = pred.shape[:2]
    mean = _mean_matrix(num_joints)
    pred_mean = (pred.reshape(n, -1) @ mean)[:, None]
    gt_mean = (gt.reshape(n, -1) @ mean)[:, None]
    pred_c = _centre(pred, pred_mean)
    gt_c = _centre(gt, gt_mean)
    h = np.matmul(pred_c.transpose(0, 2, 1), gt_c)  # (n, 3, 3)
    flat = pred_c.reshape(n, -1)
    pred_sq = np.einsum('ni,ni->n', flat, flat)

    bad = ~(np.isfinite(h).all((1, 2)) & np.isfinite(pred_sq))
    if bad.any():  # keep LAPACK away from NaN/inf; mark those poses NaN.
        h[bad] = 0.0

    rot, trace = closed_form_rotation(h)
    ok = pred_sq > _DEGENERATE_SQ_NORM
    scale = np.zeros_like(pred_sq)
    np.divide(trace, pred_sq, out=scale, where=ok)
    scale[bad] = np.nan
    return pred_c, gt_c, rot, scale, pred_mean, gt_mean, bad


def _as_batch(pred, gt):
    pred, gt = check_pair(pred, gt)
    if pred.ndim not in (2, 3):
        raise ValueError('Procrustes alignment takes poses of shape (J, 3) '
                         f'or (N, J, 3), got {pred.shape}')
    return pred, gt, pred.ndim == 2


def _chunks(n: int, chunk_size: int):
    if chunk_size < 1:
        raise ValueError(f'`chunk_size` must be >= 1, got {chunk_size}')
    for start in range(0, n, chunk_size):
        yield slice(start, min(start + chunk_size, n))


def procrustes_align(pred, gt, return_transform: bool = False,
                     chunk_size: int = DEFAULT_CHUNK_SIZE):
    """Align each predicted pose to its ground truth by a similarity
    transform without reflection (see the module docstring).

    Args:
        pred: ``(N, J, 3)`` (or a single ``(J, 3)``) predicted joints, metres.
        gt: same shape, ground-truth joints, metres.
        return_transform: also return the fitted transforms.
        chunk_size: poses solved together.

    Returns:
        ``aligned`` ``(N, J, 3)`` float64 metres (``(J, 3)`` for a single
        pose). With ``return_transform``, ``(aligned, transform)`` where
        ``transform`` holds ``rotation`` ``(N, 3, 3)`` (``det = +1``),
        ``scale`` ``(N,)`` and ``translation`` ``(N, 3)`` such that
        ``aligned[n, j] = scale[n] * rotation[n] @ pred[n, j] +
        translation[n]``. Poses with non-finite input come back as NaN.
    """
    pred, gt, single = _as_batch(pred, gt)
    if single:
        pred, gt = pred[None], gt[None]
    n = pred.shape[0]
    aligned = np.empty(pred.shape, dtype=np.float64)
    if return_transform:
        rotation = np.empty((n, 3, 3))
        scales = np.empty(n)
        translation = np.empty((n, 3))
    with np.errstate(invalid='ignore', over='ignore', divide='ignore'):
        for sl in _chunks(n, chunk_size):
            pred_c, _, rot, scale, pred_mean, gt_mean, bad = _fit(
                pred[sl].astype(np.float64, copy=False),
                gt[sl].astype(np.float64, copy=False))
            out = np.matmul(pred_c, rot * scale[:, None, None])
            out += gt_mean
            out[bad] = np.nan
            aligned[sl] = out
            if return_transform:
                rotation[sl] = rot.transpose(0, 2, 1)
                scales[sl] = scale
                translation[sl] = (gt_mean - scale[:, None, None]
                                   * np.matmul(pred_mean, rot))[:, 0]
    if single:
        aligned = aligned[0]
    if not return_transform:
        return aligned
    transform = dict(rotation=rotation, scale=scales, translation=translation)
    if single:
        transform = {k: v[0] for k, v in transform.items()}
    return aligned, transform


def _chunk_joint_errors(pred, gt, chunk_size):
    """Yield ``(slice, (n, J) distances in metres)`` chunk by chunk."""
    with np.errstate(invalid='ignore', over='ignore', divide='ignore'):
        for sl in _chunks(pred.shape[0], chunk_size):
            pred_c, gt_c, rot, scale, _, _, bad = _fit(
                pred[sl].astype(np.float64, copy=False),
                gt[sl].astype(np.float64, copy=False))
            diff = np.matmul(pred_c, rot * scale[:, None, None])
            diff -= gt_c
            # Per-component squares: faster than a reduction over the
            # length-3 axis.
            err = np.square(diff[..., 0])
            err += np.square(diff[..., 1])
            err += np.square(diff[..., 2])
            np.sqrt(err, out=err)
            err[bad] = np.nan
            yield sl, err


def pa_joint_errors(pred, gt,
                    chunk_size: int = DEFAULT_CHUNK_SIZE) -> np.ndarray:
    """Per-joint distances after Procrustes alignment.

    A distance, not a reported metric: metres, like :func:`joint_errors`.

    Args:
        pred: ``(N, J, 3)`` (or ``(J, 3)``) predicted joints, metres.
        gt: same shape, ground truth, metres.
        chunk_size: poses solved together.

    Returns:
        ``(N, J)`` (or ``(J,)``) distances in metres; NaN for poses with
        non-finite input.
    """
    pred, gt, single = _as_batch(pred, gt)
    if single:
        pred, gt = pred[None], gt[None]
    err = np.empty(pred.shape[:2], dtype=np.float64)
    for sl, chunk_err in _chunk_joint_errors(pred, gt, chunk_size):
        err[sl] = chunk_err
    return err[0] if single else err


def pa_mpjpe(pred, gt, chunk_size: int = DEFAULT_CHUNK_SIZE) -> np.ndarray:
    """Procrustes-aligned MPJPE of each pose (methods.md: PA-MPJPE,
    "Protocol 2" of Human3.6M).

    Args:
        pred: ``(N, J, 3)`` (or ``(J, 3)``) predicted joints, metres. Root
            alignment is unnecessary: the fit includes a translation.
        gt: same shape, ground truth, metres.
        chunk_size: poses solved together.

    Returns:
        ``(N,)`` (or a 0-d array) per-pose errors in **millimetres**.
    """
    pred, gt, single = _as_batch(pred, gt)
    if single:
        pred, gt = pred[None], gt[None]
    out = np.empty(pred.shape[0], dtype=np.float64)
    for sl, chunk_err in _chunk_joint_errors(pred, gt, chunk_size):
        out[sl] = chunk_err.mean(-1) * M_TO_MM
    return out[0] if single else out
