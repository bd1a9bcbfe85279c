"""Geometry in one place: rotations, affine image transforms and the
normalised perspective projection of the lifters.

Camera projection with real intrinsics (``camera_to_pixel`` and the world /
camera frame changes) lives in :mod:`pose3d_toolbox.utils.camera`, next to
the camera dict format it reads.
"""
from .affine import (apply_affine, bbox_from_keypoints, crop_matrix,
                     invert_affine, to_3x3)
from .projection import lift_with_depth, perspective_project
from .rotations import (axis_angle_rotate, axis_rotation, euler_to_matrix,
                        look_at, rotate)

__all__ = ['apply_affine', 'bbox_from_keypoints', 'crop_matrix',
           'invert_affine', 'to_3x3', 'lift_with_depth',
           'perspective_project', 'axis_angle_rotate', 'axis_rotation',
           'euler_to_matrix', 'look_at', 'rotate']
