from .pose_data_sample import PoseDataSample, make_data_sample
from .predictions import PREDICTION_FIELDS, write_predictions

__all__ = ['PoseDataSample', 'make_data_sample', 'PREDICTION_FIELDS',
           'write_predictions']
