from .elepose import (ElePoseLoss, bone_prior_nll, deformation_loss,
                      pose_distance, relative_bone_lengths, reprojection_l1)
from .hemlets import HEMletsLoss, masked_map_l2
from .regression import (AbsPoseLoss, IntegralL1Loss3D, L1Loss, MPJPELoss,
                         MSELoss)

__all__ = ['ElePoseLoss', 'bone_prior_nll', 'deformation_loss',
           'pose_distance', 'relative_bone_lengths', 'reprojection_l1',
           'AbsPoseLoss', 'IntegralL1Loss3D', 'L1Loss', 'MPJPELoss', 'MSELoss',
           'HEMletsLoss', 'masked_map_l2']
