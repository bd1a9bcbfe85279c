from .abs_pose import ROOT_2D, AbsPoseCodec, root_from_depth
from .bone import (BONE_DATA_KEYS, BoneCodec, bones_to_joints,
                   joint_shift_pairs, joint_shifts, joints_to_bones)
from .base import (LIFTING_INPUT, LIFTING_TARGET, TARGET_WEIGHT,
                   BaseKeypointCodec)
from .hemlets import (HEMLETS_TRIPLETS, HEMLETS_WEIGHT, PART_DEPTH_ORDER,
                      PART_DEPTH_STATES, HEMletsCodec, decode_part_states,
                      num_states, ordinal_accuracy, part_depth_states,
                      part_flip_indices, triplet_heatmaps)
from .heatmap import (HEATMAPS, KEYPOINTS_2D_TARGET, GaussianHeatmapCodec,
                      apply_affine, heatmap_to_image, invert_affine)
from .integral_pose3d import (GT_ROOT_DEPTH, KEYPOINTS_3D_TARGET,
                              ROOT_DEPTH_SOURCES, IntegralPose3DCodec)
from .pose_lifting import (PoseLiftingCodec, denormalize_screen,
                           normalize_screen)
from .elepose import ElePoseCodec, mean_head_distance, normalize_head

__all__ = [
    'ElePoseCodec', 'mean_head_distance', 'normalize_head', 'BoneCodec',
    'BONE_DATA_KEYS', 'bones_to_joints', 'joints_to_bones',
    'joint_shift_pairs', 'joint_shifts', 'AbsPoseCodec', 'ROOT_2D',
    'root_from_depth', 'BaseKeypointCodec', 'PoseLiftingCodec',
    'LIFTING_INPUT', 'LIFTING_TARGET', 'TARGET_WEIGHT',
    'normalize_screen', 'denormalize_screen', 'GaussianHeatmapCodec',
    'HEATMAPS', 'KEYPOINTS_2D_TARGET', 'apply_affine', 'invert_affine',
    'HEMletsCodec', 'HEMLETS_TRIPLETS', 'HEMLETS_WEIGHT', 'PART_DEPTH_STATES',
    'PART_DEPTH_ORDER', 'decode_part_states', 'num_states',
    'ordinal_accuracy', 'part_depth_states', 'part_flip_indices',
    'triplet_heatmaps',
    'heatmap_to_image', 'IntegralPose3DCodec', 'KEYPOINTS_3D_TARGET',
    'GT_ROOT_DEPTH', 'ROOT_DEPTH_SOURCES'
]
