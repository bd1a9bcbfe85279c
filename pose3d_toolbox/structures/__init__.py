from .pose_data_sample import (PoseDataSample, make_data_sample,
                               make_data_samples)
from .predictions import PREDICTION_FIELDS, write_predictions

__all__ = ['PoseDataSample', 'make_data_sample', 'make_data_samples',
           'PREDICTION_FIELDS', 'write_predictions']
