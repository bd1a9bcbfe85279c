from .bone_length import RandomBoneLengthAugmentation
from .formatting import GenerateTarget, PackPoseInputs
from .lifting import (RandomFlipLifting, SynthesizeKeypoints2D,
                      flip_lifting_sample)
from .topdown import (TOPDOWN_META_KEYS, BBoxFromKeypoints, ColorJitter,
                      LoadImage, RandomBBoxTransform, RandomFlip,
                      TopdownAffine, crop_rotation_3d)

__all__ = [
    'RandomBoneLengthAugmentation', 'GenerateTarget', 'PackPoseInputs',
    'RandomFlipLifting', 'SynthesizeKeypoints2D', 'flip_lifting_sample',
    'TOPDOWN_META_KEYS', 'BBoxFromKeypoints', 'ColorJitter',
    'LoadImage', 'RandomBBoxTransform', 'RandomFlip', 'TopdownAffine',
    'crop_rotation_3d'
]
