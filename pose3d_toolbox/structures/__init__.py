from .pose_data_sample import PoseDataSample
from .predictions import PREDICTION_FIELDS, write_predictions

__all__ = ['PoseDataSample', 'PREDICTION_FIELDS', 'write_predictions']
