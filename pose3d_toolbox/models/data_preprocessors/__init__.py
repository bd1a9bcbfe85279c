from .image_data_preprocessor import (IMAGENET_MEAN, IMAGENET_STD,
                                      ImageDataPreprocessor)
from .pose_data_preprocessor import PoseDataPreprocessor

__all__ = ['PoseDataPreprocessor', 'ImageDataPreprocessor', 'IMAGENET_MEAN',
           'IMAGENET_STD']
