"""Pure, vectorised numpy metrics for 3D human pose.

Poses are ``(N, J, 3)`` arrays in **metres** (numpy arrays or torch
tensors); reported errors come back in **millimetres**, PCK/AUC in percent.
Per-joint distances (:func:`joint_errors`, :func:`pa_joint_errors`) are
intermediate values and stay in metres.

Example:
    >>> import numpy as np
    >>> gt = np.random.rand(4, 17, 3)
    >>> round(float(mpjpe(gt + [0.01, 0, 0], gt).mean()), 6)  # 1 cm off
    10.0
"""
from ._utils import M_TO_MM
from .mpjpe import (N_MPJPE_SCALES, align_root, joint_errors, mpjpe,
                    n_mpjpe, optimal_scale)
from .mrpe import MRPE_KEYS, mrpe
from .pck import (AUC_THRESHOLDS, CPS_THRESHOLDS_MM, PCK_THRESHOLD,
                  WITHIN_ATOL, auc_3d, cps, cps_from_errors, fraction_within,
                  pck_3d)
from .procrustes import (DEFAULT_CHUNK_SIZE, pa_joint_errors, pa_mpjpe,
                         procrustes_align)

__all__ = [
    'M_TO_MM', 'N_MPJPE_SCALES', 'MRPE_KEYS', 'PCK_THRESHOLD',
    'AUC_THRESHOLDS', 'WITHIN_ATOL', 'CPS_THRESHOLDS_MM',
    'DEFAULT_CHUNK_SIZE', 'align_root', 'joint_errors', 'mpjpe',
    'optimal_scale', 'n_mpjpe', 'procrustes_align', 'pa_joint_errors',
    'pa_mpjpe', 'mrpe', 'fraction_within', 'pck_3d', 'auc_3d',
    'cps_from_errors', 'cps'
]
