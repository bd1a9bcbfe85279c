"""Threshold metrics: 3DPCK, its AUC, and the Correct Poses Score (CPS).

Definitions (``shared/docs/methods.md``, "Shared conventions"):

- 3DPCK (Mehta et al., 3DV 2017, MPI-INF-3DHP): percentage of joints within
  150 mm of the ground truth after root alignment. AUC: the mean 3DPCK over
  31 thresholds evenly spaced from 0 to 150 mm.
- CPS (Wandt et al., CanonPose, CVPR 2021; reported by ElePose): a pose is
  correct at threshold ``t`` if *every* joint is within ``t`` after
  Procrustes alignment; CPS sums the fraction of correct poses over
  ``t = 0, 1, ..., 300`` mm, so it lies in ``[0, 301]`` and is read in
  mm-units.

"Within" means ``error <= threshold`` (ElePose: "within a distance of 150mm
or lower"), up to a round-off tolerance of one nanometre
(:data:`WITHIN_ATOL`), so a perfect prediction scores 100 % AUC and CPS 301.

Per-joint errors come in **metres** (as :func:`joint_errors` and
:func:`pa_joint_errors` return them) and thresholds in metres; PCK and AUC
are returned in **percent**, CPS in **millimetres**.
"""
import numpy as np

from ._utils import M_TO_MM, as_float_array
from .procrustes import DEFAULT_CHUNK_SIZE, pa_joint_errors

#: Round-off tolerance (metres) of the "within a threshold" test.
WITHIN_ATOL = 1e-9
#: 3DPCK threshold in metres.
PCK_THRESHOLD = 0.15
#: The 31 AUC thresholds, 0 to 150 mm in 5 mm steps, in metres.
AUC_THRESHOLDS = np.linspace(0.0, 0.15, 31)
#: The 301 CPS thresholds, 0 to 300 mm in 1 mm steps, in millimetres.
CPS_THRESHOLDS_MM = np.arange(0, 301, dtype=np.float64)


def _errors(errors, name):
    e = as_float_array(errors, name).ravel()
    if e.size == 0:
        raise ValueError(f'`{name}` is empty: nothing to evaluate')
    return e


def fraction_within(errors, thresholds, atol: float = 0.0) -> np.ndarray:
    """Fraction of ``errors`` that are ``<= threshold + atol`` for each
    threshold.

    Runs in ``O(E log T)`` (one ``searchsorted``), never materialising an
    ``E x T`` table, so millions of errors and hundreds of thresholds are
    cheap.

    Args:
        errors: any-shaped array of ``E`` non-negative errors.
        thresholds: ``(T,)`` thresholds in the same unit, any order.
        atol: tolerance in the same unit, so that round-off (a Procrustes
            fit of a perfect prediction leaves ~1e-13 m) does not move an
            error across a threshold.

    Returns:
        ``(T,)`` fractions in ``[0, 1]``; all NaN if an error is NaN.
    """
    e = _errors(errors, 'errors')
    t = as_float_array(thresholds, 'thresholds').ravel()
    if np.isnan(e).any():
        return np.full(t.shape, np.nan)
    order = np.argsort(t, kind='stable')
    t_sorted = t[order]
    # First sorted threshold that each error does not exceed: the error is
    # within that threshold and every larger one.
    first = np.searchsorted(t_sorted, e - atol, side='left')
    counts = np.cumsum(np.bincount(first, minlength=t.size + 1))[:t.size]
    frac = np.empty(t.size, dtype=np.float64)
    frac[order] = counts / e.size
    return frac


def pck_3d(errors_per_joint, threshold: float = PCK_THRESHOLD) -> float:
    """3DPCK: percentage of joints within ``threshold``.

    Args:
        errors_per_joint: ``(N, J)`` (any shape) per-joint distances after
            root alignment, **metres**; e.g. ``joint_errors(align_root(pred),
            align_root(gt))``.
        threshold: metres, default 0.15 (150 mm).

    Returns:
        Percentage in ``[0, 100]``; NaN if an error is NaN.
    """
    return float(
        fraction_within(errors_per_joint, [threshold], WITHIN_ATOL)[0] * 100)


def auc_3d(errors_per_joint, thresholds=None) -> float:
    """Area under the 3DPCK curve: mean 3DPCK over ``thresholds``.

    Args:
        errors_per_joint: ``(N, J)`` (any shape) per-joint distances,
            **metres**.
        thresholds: metres; default :data:`AUC_THRESHOLDS` (31 values,
            0 to 150 mm).

    Returns:
        Percentage in ``[0, 100]``; NaN if an error is NaN.
    """
    if thresholds is None:
        thresholds = AUC_THRESHOLDS
    return float(
        fraction_within(errors_per_joint, thresholds, WITHIN_ATOL).mean() *
        100)


def cps_from_errors(max_joint_errors, thresholds_mm=None) -> float:
    """CPS from each pose's largest Procrustes-aligned joint error.

    Args:
        max_joint_errors: ``(N,)`` per-pose maximum joint distance after
            Procrustes alignment, **metres**.
        thresholds_mm: millimetres; default :data:`CPS_THRESHOLDS_MM`
            (0 to 300 in 1 mm steps).

    Returns:
        ``sum_t fraction(max_error <= t)``, in mm-units (``[0, 301]`` with
        the default thresholds); NaN if an error is NaN.
    """
    if thresholds_mm is None:
        thresholds_mm = CPS_THRESHOLDS_MM
    errors_mm = _errors(max_joint_errors, 'max_joint_errors') * M_TO_MM
    return float(
        fraction_within(errors_mm, thresholds_mm, WITHIN_ATOL * M_TO_MM).sum())


def cps(pred, gt, thresholds_mm=None,
        chunk_size: int = DEFAULT_CHUNK_SIZE) -> float:
    """Correct Poses Score of a set of poses (see the module docstring).

    Args:
        pred: ``(N, J, 3)`` predicted joints, metres.
        gt: ``(N, J, 3)`` ground-truth joints, metres.
        thresholds_mm: as in :func:`cps_from_errors`.
        chunk_size: poses per batched Procrustes solve.

    Returns:
        CPS in mm-units, ``[0, 301]`` with the default thresholds.
    """
    errors = pa_joint_errors(pred, gt, chunk_size=chunk_size)
    return cps_from_errors(errors.max(-1), thresholds_mm)
