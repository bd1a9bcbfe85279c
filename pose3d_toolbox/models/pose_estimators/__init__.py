from .anatomy3d import Anatomy3D
from .base import BasePoseEstimator, ComposedPoseEstimator
from .elepose import ElePose, ElePoseFlow
from .pose_lifter import PoseLifter
from .topdown import TopdownPoseEstimator

__all__ = ['BasePoseEstimator', 'ComposedPoseEstimator', 'ElePose',
           'ElePoseFlow', 'Anatomy3D', 'PoseLifter', 'TopdownPoseEstimator']
