from .base_pose3d_metric import BasePose3DMetric
from .elepose_metrics import MeanNLLMetric, NLLErrorCorrelationMetric
from .keypoint_2d_metrics import Keypoint2DMetric
from .pose3d_metrics import (POSE_ERROR_MODES, CPSMetric, MRPEMetric,
                             PCK3DMetric, PoseErrorMetric)

__all__ = [
    'MeanNLLMetric', 'NLLErrorCorrelationMetric',
    'BasePose3DMetric', 'PoseErrorMetric', 'MRPEMetric', 'PCK3DMetric',
    'CPSMetric', 'POSE_ERROR_MODES', 'Keypoint2DMetric'
]
