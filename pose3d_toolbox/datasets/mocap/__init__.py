"""Motion capture readers: CMU ASF/AMC, BVH, and the shipped CMU takes.

World frame of everything the toolbox stores: **Z-up, metres,
right-handed**. Y-up mocap (CMU ASF/AMC, BVH by convention) is converted by
``(x, y, z) -> (x, -z, y)``, a proper rotation that keeps left on the left.
Joints follow :data:`pose3d_toolbox.skeletons.H36M` (17 joints).
"""
from .asf_amc import (H36M17_FROM_ASF, AmcMotion, AsfBone, AsfSkeleton,
                      asf_amc_to_h36m17, parse_amc, parse_asf,
                      tips_to_h36m17)
from .bvh import BvhJoint, BvhMotion, bvh_to_h36m17, parse_bvh
from .cmu import (CMU_MOCAP_ACKNOWLEDGEMENT, CMU_TEST_SUBJECTS,
                  CMU_TRAIN_SUBJECTS, DEFAULT_CMU_MOCAP_PATH,
                  cmu_mocap_ids, convert_cmu_mocap, load_cmu_mocap, resample,
                  save_cmu_mocap)
from .common import MocapFormatError, Y_UP_TO_Z_UP, y_up_to_z_up

__all__ = [
    'AmcMotion', 'AsfBone', 'AsfSkeleton', 'BvhJoint', 'BvhMotion',
    'CMU_MOCAP_ACKNOWLEDGEMENT', 'CMU_TEST_SUBJECTS', 'CMU_TRAIN_SUBJECTS',
    'DEFAULT_CMU_MOCAP_PATH', 'H36M17_FROM_ASF', 'MocapFormatError',
    'Y_UP_TO_Z_UP', 'asf_amc_to_h36m17', 'bvh_to_h36m17', 'cmu_mocap_ids',
    'convert_cmu_mocap', 'load_cmu_mocap', 'parse_amc', 'parse_asf',
    'parse_bvh', 'resample', 'save_cmu_mocap', 'tips_to_h36m17',
    'y_up_to_z_up'
]
