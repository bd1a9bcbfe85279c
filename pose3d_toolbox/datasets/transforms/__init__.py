from .bone_length import RandomBoneLengthAugmentation
from .formatting import (LIFTING_META_KEYS, PACK_PRESETS, SAMPLE_META_KEYS,
                         TOPDOWN_DATA_KEYS, TOPDOWN_META_KEYS, GenerateTarget,
                         PackPoseInputs)
from .joints import ExtendSkeleton
from .lifting import (RandomFlipLifting, SynthesizeKeypoints2D,
                      flip_lifting_sample)
from .topdown import (BBoxFromKeypoints, ColorJitter, LoadImage,
                      RandomBBoxTransform, RandomFlip, TopdownAffine,
                      crop_rotation_3d)

__all__ = [
    'RandomBoneLengthAugmentation', 'GenerateTarget', 'PackPoseInputs',
    'PACK_PRESETS', 'SAMPLE_META_KEYS', 'LIFTING_META_KEYS',
    'TOPDOWN_DATA_KEYS',
    'RandomFlipLifting', 'SynthesizeKeypoints2D', 'flip_lifting_sample',
    'TOPDOWN_META_KEYS', 'BBoxFromKeypoints', 'ColorJitter',
    'LoadImage', 'RandomBBoxTransform', 'RandomFlip', 'TopdownAffine',
    'crop_rotation_3d', 'ExtendSkeleton'
]
