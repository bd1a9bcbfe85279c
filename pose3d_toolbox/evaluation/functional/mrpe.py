"""Mean root position error (MRPE) and its X, Y, Z parts.

Definition: AbsPoseLifter (Chang, Moon and Lee), Eq. 10,
``MRPE = 1/N sum_i ||R_i - R_i*||_2``, and Table 3's MRPE-X/Y/Z, the mean
absolute error along each camera axis (``shared/docs/methods.md``).

Inputs in metres (camera coordinates), outputs in millimetres.
"""
import numpy as np

from ._utils import M_TO_MM, check_pair

#: Names of the values returned by :func:`mrpe` (and logged by MRPEMetric).
MRPE_KEYS = ('mrpe', 'mrpe_x', 'mrpe_y', 'mrpe_z')


def mrpe(pred_root, gt_root, reduction: str = 'mean') -> dict:
    """Root position errors.

    Args:
        pred_root: ``(..., 3)`` predicted absolute root positions, metres
            (usually ``(N, 3)``).
        gt_root: ``(..., 3)`` ground-truth root positions, metres.
        reduction: ``'mean'`` averages over all roots; ``'none'`` keeps one
            value per root.

    Returns:
        dict with keys :data:`MRPE_KEYS`, in **millimetres**: ``mrpe`` the
        Euclidean error, ``mrpe_x``/``mrpe_y``/``mrpe_z`` the absolute error
        along each axis. Floats for ``'mean'``, ``(...)`` arrays for
        ``'none'``.
    """
    pred_root, gt_root = check_pair(pred_root, gt_root, min_ndim=1)
    diff = (pred_root - gt_root) * M_TO_MM
    per_root = dict(mrpe=np.sqrt(np.square(diff).sum(-1)))
    for axis, key in enumerate(MRPE_KEYS[1:]):
        per_root[key] = np.abs(diff[..., axis])
    if reduction == 'none':
        return per_root
    if reduction == 'mean':
        if diff.size == 0:
            raise ValueError('mrpe() got no roots to average')
        return {k: float(v.mean()) for k, v in per_root.items()}
    raise ValueError(f"`reduction` must be 'mean' or 'none', got "
                     f'{reduction!r}')
