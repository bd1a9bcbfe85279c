"""Joint position errors: root alignment, MPJPE and N-MPJPE.

Definitions follow ``shared/docs/methods.md`` ("Shared conventions"):
MPJPE is measured after aligning the root; N-MPJPE first rescales the
prediction, by default with the least-squares scale of VideoPose3D
(Pavllo et al., CVPR 2019, after Rhodin et al., CVPR 2018), optionally with
the ratio of Frobenius norms used by ElePose's code (Wandt et al., CVPR 2022).

Inputs are in metres, returned errors in millimetres.
"""
import numpy as np

from ._utils import M_TO_MM, as_float_array, check_pair, safe_divide

N_MPJPE_SCALES = ('lstsq', 'norm_ratio')


def align_root(x, root_index=0) -> np.ndarray:
    """Translate poses so that their root joint sits at the origin.

    Args:
        x: ``(..., J, 3)`` poses.
        root_index: index of the root joint; either an ``int`` or, for a
            batch ``x`` of shape ``(N, J, 3)``, an ``(N,)`` integer array
            giving each pose its own root.

    Returns:
        ``(..., J, 3)`` array, ``x - x[..., root_index, :]``.
    """
    x = as_float_array(x, 'x')
    if x.ndim < 2:
        raise ValueError(f'`x` must have shape (..., J, 3), got {x.shape}')
    idx = np.asarray(root_index)
    if idx.ndim == 0:
        root = x[..., int(idx):int(idx) + 1, :]
    else:
        if x.ndim != 3 or idx.shape != x.shape[:1]:
            raise ValueError(
                'a per-pose `root_index` needs `x` of shape (N, J, 3) and '
                f'`root_index` of shape (N,), got {x.shape} and {idx.shape}')
        root = x[np.arange(x.shape[0]), idx][:, None, :]
    return x - root


def joint_errors(pred, gt) -> np.ndarray:
    """Euclidean distance between corresponding joints.

    This is a distance, not a reported metric, so it stays in metres and
    feeds :func:`pck_3d` / :func:`auc_3d` directly.

    Args:
        pred: ``(..., J, 3)`` predicted joints, metres.
        gt: ``(..., J, 3)`` ground-truth joints, metres.

    Returns:
        ``(..., J)`` distances in metres.
    """
    pred, gt = check_pair(pred, gt)
    diff = pred - gt
    return np.sqrt(np.einsum('...k,...k->...', diff, diff))


def _mean_over_joints(err, mask):
    """Mean of ``err`` ``(..., J)`` over joints, optionally weighted."""
    if mask is None:
        return err.mean(-1)
    w = as_float_array(mask, 'mask')
    try:
        w = np.broadcast_to(w, err.shape)
    except ValueError:
        raise ValueError(f'`mask` of shape {w.shape} does not broadcast to '
                         f'the joint errors of shape {err.shape}') from None
    # A pose without any valid joint has no error: NaN, not a warning.
    return safe_divide((err * w).sum(-1), w.sum(-1), fill=np.nan)


def mpjpe(pred, gt, mask=None) -> np.ndarray:
    """Mean per-joint position error of each pose (methods.md: MPJPE).

    No alignment happens here: to get the protocol's root-aligned MPJPE pass
    ``align_root(pred, r)`` and ``align_root(gt, r)``.

    Args:
        pred: ``(..., J, 3)`` predicted joints, metres (usually ``(N, J, 3)``).
        gt: ``(..., J, 3)`` ground-truth joints, metres.
        mask: optional ``(..., J)`` (or broadcastable) boolean / non-negative
            weights; the mean over joints becomes a weighted mean. A pose
            whose weights are all zero gets ``NaN``.

    Returns:
        ``(...)`` per-pose errors in **millimetres**.
    """
    return _mean_over_joints(joint_errors(pred, gt), mask) * M_TO_MM


def optimal_scale(pred, gt, method: str = 'lstsq') -> np.ndarray:
    """Per-pose scale ``s`` applied to ``pred`` before N-MPJPE.

    - ``'lstsq'``: ``argmin_s ||s * pred - gt||_F``, i.e.
      ``<pred, gt>_F / ||pred||_F^2`` (VideoPose3D's ``n_mpjpe``).
    - ``'norm_ratio'``: ``||gt||_F / ||pred||_F`` (ElePose's code).

    A prediction with zero norm gets scale ``0`` (no NaN).

    Args:
        pred: ``(..., J, 3)``; gt: ``(..., J, 3)``; both root-relative.
        method: ``'lstsq'`` or ``'norm_ratio'``.

    Returns:
        ``(...)`` scales (unitless).
    """
    pred, gt = check_pair(pred, gt)
    pred_sq = np.square(pred).sum((-2, -1))
    if method == 'lstsq':
        return safe_divide((pred * gt).sum((-2, -1)), pred_sq)
    if method == 'norm_ratio':
        return safe_divide(np.sqrt(np.square(gt).sum((-2, -1))),
                           np.sqrt(pred_sq))
    raise ValueError(f'unknown N-MPJPE scale {method!r}; choose one of '
                     f'{N_MPJPE_SCALES}')


def n_mpjpe(pred, gt, scale: str = 'lstsq', mask=None) -> np.ndarray:
    """Scale-normalised MPJPE (methods.md: N-MPJPE).

    ``mpjpe(s * pred, gt)`` with ``s = optimal_scale(pred, gt, scale)``. The
    scale is computed about the origin, so pass root-aligned poses (the
    registered metric does).

    Args:
        pred: ``(..., J, 3)`` root-relative predicted joints, metres.
        gt: ``(..., J, 3)`` root-relative ground-truth joints, metres.
        scale: ``'lstsq'`` (default, VideoPose3D) or ``'norm_ratio'``
            (ElePose's code); report which one was used.
        mask: optional joint weights for the error mean, as in :func:`mpjpe`
            (the scale always uses every joint).

    Returns:
        ``(...)`` per-pose errors in **millimetres**.
    """
    pred, gt = check_pair(pred, gt)
    s = optimal_scale(pred, gt, scale)
    return mpjpe(s[..., None, None] * pred, gt, mask=mask)
