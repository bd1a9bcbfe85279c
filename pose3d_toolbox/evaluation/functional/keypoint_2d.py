"""2D keypoint errors in pixels and PCK normalised by the box size.

Inputs ``(N, J, 2)`` pixels; ``mask`` ``(N, J)`` marks the labelled joints.
"""
import numpy as np


def keypoint_2d_errors(pred, gt) -> np.ndarray:
    """``(N, J)`` Euclidean distances in pixels."""
    return np.linalg.norm(np.asarray(pred, np.float64)
                          - np.asarray(gt, np.float64), axis=-1)


def mean_2d_error(errors, mask=None) -> float:
    """Mean of ``(N, J)`` errors over the masked joints (pixels)."""
    errors = np.asarray(errors, np.float64)
    mask = (np.ones(errors.shape, bool) if mask is None
            else np.asarray(mask) > 0)
    if not mask.any():
        raise ValueError('mean_2d_error: no labelled joint to evaluate')
    return float(errors[mask].mean())


def pck_2d(errors, norm, threshold, mask=None) -> float:
    """Percentage of masked joints with ``error <= threshold * norm``.

    Args:
        errors: ``(N, J)`` pixels.
        norm: ``(N,)`` per-sample normaliser (e.g. the box's longer side).
        threshold: fraction of ``norm`` (0.05, 0.1, 0.2 ...).
    """
    errors = np.asarray(errors, np.float64)
    mask = (np.ones(errors.shape, bool) if mask is None
            else np.asarray(mask) > 0)
    if not mask.any():
        raise ValueError('pck_2d: no labelled joint to evaluate')
    within = errors <= threshold * np.asarray(norm, np.float64)[:, None]
    return float(100.0 * within[mask].mean())
