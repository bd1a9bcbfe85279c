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
form, elementwise numpy operations over all poses of a chunk at once
(several times faster than a batched LAPACK SVD of ``(n, 3, 3)``):

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

Layout (struct of arrays): each chunk of ``n`` poses is copied once from
``(n, J, 3)`` to ``(3, J, n)``, and every per-pose quantity -- the nine
entries of ``H``, the polynomial's coefficients, ``lambda``, the nine
entries of ``Q`` -- is a row of length ``n``. Every numpy operation then
streams over the poses of the chunk instead of looping over axes of length
3: ``H``, ``||Y0||_F^2``, the rotated prediction ``s Y0 Q`` and the squared
per-joint distances are each one ``einsum`` (a sum of products over joints
or coordinates, with no temporary), the closed form above about three
hundred operations on rows of length ``n``.

Inputs in metres; :func:`pa_mpjpe` returns millimetres.
"""
from types import SimpleNamespace

import numpy as np

from ._utils import M_TO_MM, check_pair

#: Poses per chunk: 4096 x 17 x 3 float64 is 1.7 MB per pose buffer (three of
#: them, plus three of 0.6 MB, reused across chunks) and each per-pose row
#: of the closed form 32 kB, so a chunk's working set stays in the last-level
#: cache while numpy's per-call overhead is amortised (2048 and 8192 measured
#: the same on 1M poses).
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
# Steps taken before the first test: from the start above, random and
# realistic poses need 4 to 6 (the test costs a quarter of a step).
_NEWTON_MIN_ITER = 4


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
    hs = np.ascontiguousarray(np.reshape(h, (-1, 9)).T, dtype=np.float64)
    with np.errstate(invalid='ignore', over='ignore', divide='ignore'):
        rot, lam = _rotation_components(hs)
    return np.ascontiguousarray(rot.transpose(2, 0, 1)), lam


def _rotation_components(hs: np.ndarray):
    """Horn's rotation for ``n`` poses given component-wise.

    Args:
        hs: ``(9, n)`` the entries of ``H`` row by row, ``hs[3 a + b] =
            H[a, b]``, each a length-``n`` array (struct of arrays, so every
            operation below streams over the poses).

    Returns:
        tuple: ``rot`` ``(3, 3, n)``, ``rot[a, b]`` the entry ``Q[a, b]`` of
        the row-vector rotation of every pose, and ``lam`` ``(n,)`` =
        ``trace(Q^T H)``. Poses where the closed form is ill-conditioned or
        non-finite (and those where Newton's method has not converged after
        ``_NEWTON_MAX_ITER`` steps) hold :func:`svd_rotation`'s answer.
    """
    n = hs.shape[1]
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
    two_c2 = 2.0 * c2
    converged = False
    for it in range(_NEWTON_MAX_ITER):
        # step = f(lam) / f'(lam), f = (l^2 + c2) l^2 + c1 l + c0.
        lam2 = lam * lam
        step = lam2 + c2
        step *= lam2
        step += c0
        step += c1 * lam
        den = 4.0 * lam2
        den += two_c2
        den *= lam
        den += c1
        step /= den
        lam -= step
        if it + 1 < _NEWTON_MIN_ITER:
            continue
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
    inv = 1.0 / mu
    two_inv = 2.0 * inv
    # Row-vector Q = R(q)^T, R(q) the quaternion's rotation matrix
    # (column vectors).
    rot = np.empty((3, 3, n))
    rot[0, 0] = (ww + xx - yy - zz) * inv
    rot[0, 1] = (xy + wz) * two_inv
    rot[0, 2] = (xz - wy) * two_inv
    rot[1, 0] = (xy - wz) * two_inv
    rot[1, 1] = (ww - xx + yy - zz) * inv
    rot[1, 2] = (yz + wx) * two_inv
    rot[2, 0] = (xz + wy) * two_inv
    rot[2, 1] = (yz - wx) * two_inv
    rot[2, 2] = (ww - xx - yy + zz) * inv

    ok = mu > _MIN_GAP * lam**3  # False for NaN / zero H
    if not converged:
        ok &= np.abs(step) <= _NEWTON_RTOL * lam
    redo = np.flatnonzero(~ok)
    if redo.size:
        h = hs[:, redo].T.reshape(-1, 3, 3)
        redo_rot, lam[redo] = svd_rotation(h)
        rot[:, :, redo] = redo_rot.transpose(1, 2, 0)
    return rot, lam


class _Workspace:
    """The chunk-sized arrays of :func:`_fit`, allocated once per call and
    reused from chunk to chunk: fresh multi-megabyte temporaries in every
    chunk cost as much in page faults as the arithmetic on them.

    ``get(n)`` returns a namespace of float64 arrays for an ``n``-pose
    chunk (at most two sizes occur: the chunk size and the remainder):
    ``pred``, ``gt`` and ``moved`` ``(3, J, n)`` and ``err`` ``(J, n)``.
    """

    def __init__(self, num_joints: int):
        self.num_joints = num_joints
        self._sets = {}

    def get(self, n: int) -> SimpleNamespace:
        if n not in self._sets:
            shape, row = (3, self.num_joints, n), (self.num_joints, n)
            self._sets[n] = SimpleNamespace(
                pred=np.empty(shape), gt=np.empty(shape),
                moved=np.empty(shape), err=np.empty(row))
        return self._sets[n]


def _fit(pred: np.ndarray, gt: np.ndarray, ws: SimpleNamespace):
    """Solve the similarity Procrustes problem for one chunk, with every
    quantity held component-wise (struct of arrays: each coordinate of each
    joint, and each entry of each per-pose matrix, is a contiguous row over
    the poses, so every numpy operation streams over the chunk).

    Args:
        pred: ``(n, J, 3)`` predictions (any float dtype).
        gt: ``(n, J, 3)`` ground truth.
        ws: :meth:`_Workspace.get` ``(n)``; ``ws.pred`` and ``ws.gt`` are
            overwritten with the centred poses.

    Returns:
        tuple: ``rot`` ``(3, 3, n)``, ``rot[a, b]`` the entry ``Q[a, b]`` of
        the row-vector rotation; ``scale`` ``(n,)``; ``pred_mean`` and
        ``gt_mean`` ``(3, n)``; ``bad`` ``(n,)`` poses with non-finite input
        (their scale is NaN, so everything derived from it is NaN).
    """
    n, num_joints = pred.shape[:2]
    pred_c, gt_c = ws.pred, ws.gt
    np.copyto(pred_c, pred.transpose(2, 1, 0))  # (n, J, 3) -> (3, J, n)
    np.copyto(gt_c, gt.transpose(2, 1, 0))
    pred_mean = np.add.reduce(pred_c, axis=1) / num_joints
    gt_mean = np.add.reduce(gt_c, axis=1) / num_joints
    pred_c -= pred_mean[:, None]
    gt_c -= gt_mean[:, None]
    # H[a, b] = sum_j pred_c[a, j] gt_c[b, j]; einsum's summed products
    # make no (3, J, n) temporary.
    h = np.einsum('ajn,bjn->abn', pred_c, gt_c)
    pred_sq = np.einsum('ajn,ajn->n', pred_c, pred_c)

    bad = ~(np.isfinite(h).all((0, 1)) & np.isfinite(pred_sq))
    if bad.any():  # keep LAPACK away from NaN/inf; mark those poses NaN.
        h[:, :, bad] = 0.0

    rot, trace = _rotation_components(h.reshape(9, n))
    scale = np.zeros_like(pred_sq)
    np.divide(trace, pred_sq, out=scale, where=pred_sq > _DEGENERATE_SQ_NORM)
    scale[bad] = np.nan
    return rot, scale, pred_mean, gt_mean, bad


def _moved(weight: np.ndarray, ws: SimpleNamespace) -> np.ndarray:
    """The centred prediction times ``weight`` (``(3, 3, n)``, a scaled
    rotation ``s Q``), ``pred_c @ weight`` for every joint, into
    ``ws.moved`` ``(3, J, n)``: ``moved[k, j] = sum_a pred_c[a, j]
    weight[a, k]``."""
    return np.einsum('ajn,akn->kjn', ws.pred, weight, out=ws.moved)


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
    workspace = _Workspace(pred.shape[1])
    with np.errstate(invalid='ignore', over='ignore', divide='ignore'):
        for sl in _chunks(n, chunk_size):
            ws = workspace.get(sl.stop - sl.start)
            rot, scale, pred_mean, gt_mean, bad = _fit(pred[sl], gt[sl], ws)
            weight = rot * scale
            moved = _moved(weight, ws)
            moved += gt_mean[:, None]
            out = aligned[sl]
            np.copyto(out, moved.transpose(2, 1, 0))
            out[bad] = np.nan
            if return_transform:
                # rot[a, b] = Q[a, b]; the column-vector rotation is Q^T.
                rotation[sl] = rot.transpose(2, 1, 0)
                scales[sl] = scale
                translation[sl] = (gt_mean - np.einsum(
                    'an,akn->kn', pred_mean, weight)).T
    if single:
        aligned = aligned[0]
    if not return_transform:
        return aligned
    transform = dict(rotation=rotation, scale=scales, translation=translation)
    if single:
        transform = {k: v[0] for k, v in transform.items()}
    return aligned, transform


def _chunk_joint_errors(pred, gt, chunk_size):
    """Yield ``(slice, (J, n) distances in metres)`` chunk by chunk; the
    array is a workspace buffer, overwritten by the next chunk."""
    workspace = _Workspace(pred.shape[1])
    with np.errstate(invalid='ignore', over='ignore', divide='ignore'):
        for sl in _chunks(pred.shape[0], chunk_size):
            ws = workspace.get(sl.stop - sl.start)
            rot, scale, _, _, bad = _fit(pred[sl], gt[sl], ws)
            weight = rot * scale
            diff = _moved(weight, ws)
            diff -= ws.gt
            err = np.einsum('kjn,kjn->jn', diff, diff, out=ws.err)
            np.sqrt(err, out=err)
            if bad.any():
                err[:, bad] = np.nan
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
        err[sl] = chunk_err.T
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
        out[sl] = np.add.reduce(chunk_err, axis=0) * (
            M_TO_MM / chunk_err.shape[0])
    return out[0] if single else out
