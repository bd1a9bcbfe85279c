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

All ``N`` poses are solved at once with one batched ``np.linalg.svd`` on
``(n, 3, 3)`` per chunk of ``chunk_size`` poses, so memory stays bounded
(about ``chunk_size * J * 3 * 8`` bytes per temporary) for any ``N``.

Inputs in metres; :func:`pa_mpjpe` returns millimetres.
"""
import numpy as np

from ._utils import M_TO_MM, check_pair

#: Poses per chunk: 16384 x 17 x 3 float64 is about 7 MB per temporary,
#: small enough to stay in cache, large enough to amortise the call overhead.
DEFAULT_CHUNK_SIZE = 16384

# Squared Frobenius norm (m^2) of a centred pose below which it is treated
# as a single point (joint spread under ~1e-10 m): its scale is set to 0.
_DEGENERATE_SQ_NORM = 1e-20


def _det3(m: np.ndarray) -> np.ndarray:
    """Determinants of ``(n, 3, 3)`` matrices (closed form, vectorised)."""
    return (m[:, 0, 0] * (m[:, 1, 1] * m[:, 2, 2] - m[:, 1, 2] * m[:, 2, 1])
            - m[:, 0, 1] * (m[:, 1, 0] * m[:, 2, 2] - m[:, 1, 2] * m[:, 2, 0])
            + m[:, 0, 2] * (m[:, 1, 0] * m[:, 2, 1] - m[:, 1, 1] * m[:, 2, 0]))


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
    num_joints = pred.shape[1]
    # einsum reductions: several times faster than .mean(1)/.sum on (n, J, 3).
    pred_mean = np.einsum('njk->nk', pred)[:, None] / num_joints
    gt_mean = np.einsum('njk->nk', gt)[:, None] / num_joints
    pred_c = pred - pred_mean
    gt_c = gt - gt_mean
    h = np.matmul(pred_c.transpose(0, 2, 1), gt_c)  # (n, 3, 3)
    pred_sq = np.einsum('njk,njk->n', pred_c, pred_c)

    bad = ~(np.isfinite(h).all((1, 2)) & np.isfinite(pred_sq))
    if bad.any():  # keep LAPACK away from NaN/inf; mark those poses NaN.
        h[bad] = 0.0

    u, _, vt = np.linalg.svd(h)
    # Exclude reflections: flip the last singular vector when det(U V^T) < 0.
    d = np.where(_det3(u) * _det3(vt) < 0, -1.0, 1.0)
    u[:, :, 2] *= d[:, None]
    rot = np.matmul(u, vt)

    trace = (rot * h).sum((1, 2))  # trace(Q^T H) = s1 + s2 + d * s3 >= 0
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
        chunk_size: poses solved per batched SVD call.

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
    with np.errstate(invalid='ignore', over='ignore'):  # only non-finite in
        for sl in _chunks(n, chunk_size):
            pred_c, _, rot, scale, pred_mean, gt_mean, bad = _fit(
                pred[sl].astype(np.float64, copy=False),
                gt[sl].astype(np.float64, copy=False))
            out = np.matmul(pred_c, rot)
            out *= scale[:, None, None]
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


def pa_joint_errors(pred, gt,
                    chunk_size: int = DEFAULT_CHUNK_SIZE) -> np.ndarray:
    """Per-joint distances after Procrustes alignment.

    A distance, not a reported metric: metres, like :func:`joint_errors`.

    Args:
        pred: ``(N, J, 3)`` (or ``(J, 3)``) predicted joints, metres.
        gt: same shape, ground truth, metres.
        chunk_size: poses solved per batched SVD call.

    Returns:
        ``(N, J)`` (or ``(J,)``) distances in metres; NaN for poses with
        non-finite input.
    """
    pred, gt, single = _as_batch(pred, gt)
    if single:
        pred, gt = pred[None], gt[None]
    err = np.empty(pred.shape[:2], dtype=np.float64)
    with np.errstate(invalid='ignore', over='ignore'):
        for sl in _chunks(pred.shape[0], chunk_size):
            pred_c, gt_c, rot, scale, _, _, bad = _fit(
                pred[sl].astype(np.float64, copy=False),
                gt[sl].astype(np.float64, copy=False))
            diff = np.matmul(pred_c, rot)
            diff *= scale[:, None, None]
            diff -= gt_c
            e = np.sqrt(np.einsum('njk,njk->nj', diff, diff))
            e[bad] = np.nan
            err[sl] = e
    return err[0] if single else err


def pa_mpjpe(pred, gt, chunk_size: int = DEFAULT_CHUNK_SIZE) -> np.ndarray:
    """Procrustes-aligned MPJPE of each pose (methods.md: PA-MPJPE,
    "Protocol 2" of Human3.6M).

    Args:
        pred: ``(N, J, 3)`` (or ``(J, 3)``) predicted joints, metres. Root
            alignment is unnecessary: the fit includes a translation.
        gt: same shape, ground truth, metres.
        chunk_size: poses solved per batched SVD call.

    Returns:
        ``(N,)`` (or a 0-d array) per-pose errors in **millimetres**.
    """
    return pa_joint_errors(pred, gt, chunk_size).mean(-1) * M_TO_MM
