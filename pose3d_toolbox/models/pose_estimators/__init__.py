from .anatomy3d import Anatomy3D
from .elepose import ElePose, ElePoseFlow, ElePoseLiftingNet, FlowPosePrior
from .pose_lifter import PoseLifter
from .topdown import TopdownPoseEstimator

__all__ = ['ElePose', 'ElePoseFlow', 'ElePoseLiftingNet', 'FlowPosePrior',
           'Anatomy3D', 'PoseLifter', 'TopdownPoseEstimator']
