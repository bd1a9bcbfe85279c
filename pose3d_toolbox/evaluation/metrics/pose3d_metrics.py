"""Registered 3D pose metrics: thin shells over the functional core.

All error values are in millimetres, PCK/AUC in percent (inputs in metres).
See :class:`BasePose3DMetric` for the data sample keys each one reads.

Example:
    >>> from pose3d_toolbox.registry import METRICS
    >>> metric = METRICS.build(dict(type='PoseErrorMetric', per_action=True))
    >>> # Evaluator: metric.process(data_batch, [s.to_dict() for s in ...])
    >>> # metric.evaluate(size) -> {'mpjpe': ..., 'p-mpjpe': ...,
    >>> #                          'n-mpjpe': ..., 'mpjpe/Walking': ...}
"""
from typing import Dict, List, Sequence, Union

import numpy as np

from pose3d_toolbox.registry import METRICS
from ..functional import (AUC_THRESHOLDS, MRPE_KEYS, N_MPJPE_SCALES,
                          PCK_THRESHOLD, auc_3d, cps_from_errors,
                          joint_errors, mpjpe, mrpe, n_mpjpe, optimal_scale,
                          pa_joint_errors, pa_mpjpe, pck_3d)
from .base_pose3d_metric import BasePose3DMetric

POSE_ERROR_MODES = ('mpjpe', 'p-mpjpe', 'n-mpjpe')


@METRICS.register_module()
class PoseErrorMetric(BasePose3DMetric):
    """MPJPE, PA-MPJPE and N-MPJPE, in millimetres.

    - ``mpjpe``: after root alignment of prediction and ground truth
      (Protocol 1).
    - ``p-mpjpe``: after similarity Procrustes alignment, reflections
      excluded (Protocol 2).
    - ``n-mpjpe``: after root alignment and a per-pose scale,
      ``n_mpjpe_scale='lstsq'`` (VideoPose3D, default) or ``'norm_ratio'``
      (ElePose's code); report which.

    Args:
        modes: any of ``'mpjpe'``, ``'p-mpjpe'``, ``'n-mpjpe'``; the output
            keys, in this order (``'<mode>/<action>'`` per action).
        n_mpjpe_scale: ``'lstsq'`` or ``'norm_ratio'``.
        **kwargs: see :class:`BasePose3DMetric` (``per_action``,
            ``joint_indices`` -- e.g. ``'hemlets'`` or ``range(17)`` to
            evaluate HEMlets' 18 joints on the 17 of Human3.6M --,
            ``skeleton``, ...).
    """

    def __init__(self,
                 modes: Union[str, Sequence[str]] = POSE_ERROR_MODES,
                 n_mpjpe_scale: str = 'lstsq',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        modes = (modes, ) if isinstance(modes, str) else tuple(modes)
        unknown = [m for m in modes if m not in POSE_ERROR_MODES]
        if unknown or not modes:
            raise ValueError(f'PoseErrorMetric: unknown mode(s) {unknown}; '
                             f'choose from {POSE_ERROR_MODES}')
        if n_mpjpe_scale not in N_MPJPE_SCALES:
            raise ValueError(f'PoseErrorMetric: n_mpjpe_scale must be one of '
                             f'{N_MPJPE_SCALES}, got {n_mpjpe_scale!r}')
        self.modes = tuple(dict.fromkeys(modes))  # unique, ordered
        self.n_mpjpe_scale = n_mpjpe_scale

    def sample_results(self, batch: dict) -> Dict[str, np.ndarray]:
        pred, gt = self.root_aligned(batch)
        values = {}
        for mode in self.modes:
            if mode == 'mpjpe':
                values[mode] = mpjpe(pred, gt)
            elif mode == 'p-mpjpe':
                values[mode] = pa_mpjpe(pred, gt)
            else:
                values[mode] = n_mpjpe(pred, gt, scale=self.n_mpjpe_scale)
        return values

    def summarise(self, results: List[dict]) -> Dict[str, float]:
        return {m: float(self.stacked(results, m).mean()) for m in self.modes}


@METRICS.register_module()
class MRPEMetric(BasePose3DMetric):
    """Mean root position error and its X/Y/Z parts (AbsPoseLifter), mm.

    Reads ``pred_root`` ``(3,)``; the ground-truth root is
    ``gt_keypoints_3d[root_index]``, so the ground truth must be absolute
    (camera coordinates). Keys: ``mrpe``, ``mrpe_x``, ``mrpe_y``,
    ``mrpe_z``.

    Args:
        **kwargs: see :class:`BasePose3DMetric` (``joint_indices`` is
            ignored: only the root is compared).
    """
    needs_pred_root = True

    def sample_results(self, batch: dict) -> Dict[str, np.ndarray]:
        gt = batch['gt']
        gt_root = gt[np.arange(gt.shape[0]), batch['root_index']]
        if not gt_root.any():  # a camera-space root is never at the origin
            raise ValueError(
                'MRPEMetric: every ground-truth root in the batch is at the '
                'origin, so gt_keypoints_3d looks root-relative; MRPE needs '
                'the absolute ground truth (camera coordinates, metres)')
        return mrpe(batch['pred_root'], gt_root, reduction='none')

    def summarise(self, results: List[dict]) -> Dict[str, float]:
        return {k: float(self.stacked(results, k).mean()) for k in MRPE_KEYS}


@METRICS.register_module()
class PCK3DMetric(BasePose3DMetric):
    """3DPCK and its AUC after root alignment, in percent.

    Args:
        threshold: PCK threshold in metres (default 0.15 = 150 mm).
        auc_thresholds: AUC thresholds in metres; default 31 values from 0
            to 150 mm.
        scale: ``None`` for the standard 3DPCK (keys ``pck``, ``auc``);
            ``'lstsq'`` or ``'norm_ratio'`` to rescale each prediction first
            as for N-MPJPE -- ElePose's scale-normalised N-PCK, logged as
            ``n-pck`` and ``n-auc`` so the names tell the truth.
        **kwargs: see :class:`BasePose3DMetric`.
    """

    def __init__(self,
                 threshold: float = PCK_THRESHOLD,
                 auc_thresholds=None,
                 scale=None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if scale is not None and scale not in N_MPJPE_SCALES:
            raise ValueError(f'PCK3DMetric: scale must be None or one of '
                             f'{N_MPJPE_SCALES}, got {scale!r}')
        if not 0 < threshold < 10:
            raise ValueError(f'PCK3DMetric: threshold is in metres (0.15 for '
                             f'150 mm), got {threshold}')
        self.threshold = float(threshold)
        self.auc_thresholds = np.asarray(
            AUC_THRESHOLDS if auc_thresholds is None else auc_thresholds,
            dtype=np.float64)
        self.scale = scale
        key_prefix = '' if scale is None else 'n-'
        self.pck_key, self.auc_key = key_prefix + 'pck', key_prefix + 'auc'

    def sample_results(self, batch: dict) -> Dict[str, np.ndarray]:
        pred, gt = self.root_aligned(batch)
        if self.scale is not None:
            pred = optimal_scale(pred, gt, self.scale)[:, None, None] * pred
        return dict(joint_errors=joint_errors(pred, gt))  # (B, J') metres

    def summarise(self, results: List[dict]) -> Dict[str, float]:
        errors = self.stacked(results, 'joint_errors')
        return {
            self.pck_key: pck_3d(errors, self.threshold),
            self.auc_key: auc_3d(errors, self.auc_thresholds),
        }


@METRICS.register_module()
class CPSMetric(BasePose3DMetric):
    """Correct Poses Score (ElePose / CanonPose), key ``cps``.

    After Procrustes alignment, the fraction of poses whose every joint is
    within ``t`` is summed over ``t = 0..300`` mm in 1 mm steps: mm-units,
    at most 301.

    Args:
        thresholds_mm: override the thresholds (millimetres).
        **kwargs: see :class:`BasePose3DMetric`.
    """

    def __init__(self, thresholds_mm=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.thresholds_mm = thresholds_mm

    def sample_results(self, batch: dict) -> Dict[str, np.ndarray]:
        pred, gt = self.root_aligned(batch)
        return dict(max_error=pa_joint_errors(pred, gt).max(-1))  # metres

    def summarise(self, results: List[dict]) -> Dict[str, float]:
        return dict(cps=cps_from_errors(
            self.stacked(results, 'max_error'), self.thresholds_mm))
