"""Registered 2D keypoint metric for image models."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.structures import BaseDataElement

from pose3d_toolbox.registry import METRICS
from pose3d_toolbox.skeletons import Skeleton
from ..functional.keypoint_2d import keypoint_2d_errors, mean_2d_error, pck_2d
from .base_pose3d_metric import resolve_joint_indices


@METRICS.register_module()
class Keypoint2DMetric(BaseMetric):
    """Mean 2D error (pixels of the full image) and PCK.

    Reads from each data sample ``pred_keypoints_2d`` and
    ``gt_keypoints_2d`` (``(J, 2)`` image pixels), optionally
    ``keypoints_valid`` (``(J,)``, labelled joints; all joints without it)
    and the meta ``bbox_scale`` (``(2,)``, w, h): a joint counts as correct
    for ``pck@t`` when its error is at most ``t`` times the box's longer
    side (MMPose's bbox-normalised PCK).

    Keys: ``error_2d_px`` and ``pck@<t>`` (percent) for every threshold.

    Args:
        pck_thresholds: fractions of the box size.
        joint_indices: evaluate only these joints (indices, or a skeleton
            whose ``evaluated_joints`` are taken, e.g. ``'hemlets'``).
    """
    default_prefix: Optional[str] = ''

    def __init__(self, pck_thresholds: Sequence[float] = (0.05, 0.1, 0.2),
                 joint_indices: Union[None, str, Skeleton,
                                      Sequence[int]] = None,
                 collect_device: str = 'cpu', prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.pck_thresholds = tuple(float(t) for t in pck_thresholds)
        self.joint_indices = resolve_joint_indices(joint_indices)

    def _get(self, sample: dict, key: str, index: int):
        if sample.get(key) is None:
            raise KeyError(f'Keypoint2DMetric: data sample {index} has no '
                           f"'{key}' (keys: {sorted(sample)}); the model's "
                           'predict step or the pipeline must set it')
        value = sample[key]
        value = value.detach().cpu().numpy() if hasattr(value, 'detach') \
            else value
        return np.asarray(value, np.float64)

    def process(self, data_batch, data_samples: Sequence) -> None:
        for i, s in enumerate(data_samples):
            s = s.to_dict() if isinstance(s, BaseDataElement) else s
            pred = self._get(s, 'pred_keypoints_2d', i).reshape(-1, 2)
            gt = self._get(s, 'gt_keypoints_2d', i).reshape(-1, 2)
            if pred.shape != gt.shape:
                raise ValueError(f'Keypoint2DMetric: pred_keypoints_2d '
                                 f'{pred.shape} and gt_keypoints_2d '
                                 f'{gt.shape} differ in sample {i}')
            mask = (self._get(s, 'keypoints_valid', i).reshape(-1) > 0
                    if s.get('keypoints_valid') is not None
                    else np.ones(len(gt), bool))
            if self.joint_indices is not None:
                pred, gt = pred[self.joint_indices], gt[self.joint_indices]
                mask = mask[self.joint_indices]
            self.results.append(dict(
                errors=keypoint_2d_errors(pred[None], gt[None])[0],
                mask=mask,
                norm=float(self._get(s, 'bbox_scale', i).max())))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        if not results:
            raise ValueError('Keypoint2DMetric: no data samples were '
                             'processed, there is nothing to evaluate')
        errors = np.stack([r['errors'] for r in results])
        mask = np.stack([r['mask'] for r in results])
        norm = np.array([r['norm'] for r in results])
        metrics = {'error_2d_px': mean_2d_error(errors, mask)}
        for t in self.pck_thresholds:
            metrics[f'pck@{t:g}'] = pck_2d(errors, norm, t, mask)
        return metrics
