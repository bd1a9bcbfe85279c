from .anatomy3d import BoneDirectionNet, BoneLengthNet
from .abs_pose_normalization import AbsPoseNormalization, normalize_pose_2d
from .elepose_lifting_net import ElePoseLiftingNet
from .residual_mlp import ResidualMLP
from .tcn import TCN
from .resnet import (ResNet, ResNet18, ResNet34, ResNet50, ResNet101,
                     ResNet152)

__all__ = [
    'BoneDirectionNet', 'BoneLengthNet', 'TCN', 'AbsPoseNormalization',
    'ElePoseLiftingNet',
    'normalize_pose_2d', 'ResidualMLP', 'ResNet', 'ResNet18',
    'ResNet34', 'ResNet50', 'ResNet101', 'ResNet152'
]
