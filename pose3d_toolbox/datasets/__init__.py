from . import mocap, synthetic, transforms  # noqa: F401
from .base_lifting import BaseLiftingDataset
from .cmu_image import CMUMocapImageDataset
from .cmu_mocap import CMUMocapDataset
from .h36m import Human3p6mDataset
from .image_2d import CocoKeypoint2DDataset, MpiiDataset, map_joints
from .mixed import MixedRatioSampler, batch_counts
from .mocap import (CMU_MOCAP_ACKNOWLEDGEMENT, CMU_TEST_SUBJECTS,
                    CMU_TRAIN_SUBJECTS, load_cmu_mocap)
from .mpi_inf_3dhp import MpiInf3dhpDataset
from .npz_lifting import NpzLiftingDataset

__all__ = [
    'BaseLiftingDataset', 'CMUMocapDataset', 'CMUMocapImageDataset',
    'Human3p6mDataset', 'MpiInf3dhpDataset', 'NpzLiftingDataset',
    'CMU_MOCAP_ACKNOWLEDGEMENT', 'CMU_TEST_SUBJECTS',
    'CMU_TRAIN_SUBJECTS', 'load_cmu_mocap'
]
