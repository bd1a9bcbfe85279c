from .base import (LIFTING_INPUT, LIFTING_TARGET, TARGET_WEIGHT,
                   BaseKeypointCodec)
from .pose_lifting import PoseLiftingCodec, denormalize_screen, normalize_screen

__all__ = ['BaseKeypointCodec', 'PoseLiftingCodec', 'LIFTING_INPUT',
           'LIFTING_TARGET', 'TARGET_WEIGHT', 'normalize_screen',
           'denormalize_screen']
