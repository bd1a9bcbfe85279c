from .base_pose3d_metric import BasePose3DMetric
from .pose3d_metrics import (POSE_ERROR_MODES, CPSMetric, MRPEMetric,
                             PCK3DMetric, PoseErrorMetric)

__all__ = [
    'BasePose3DMetric', 'PoseErrorMetric', 'MRPEMetric', 'PCK3DMetric',
    'CPSMetric', 'POSE_ERROR_MODES'
]
