"""Geometry in one place: rotations, affine image transforms and the
normalised perspective projection of the lifters.

Camera projection with real intrinsics (``camera_to_pixel`` and the world /
camera frame changes) lives in :mod:`pose3d_toolbox.utils.camera`, next to
the camera dict format it reads.

The names are imported on first use (PEP 562): the affine transforms are
numpy only, the projection and the rotations are PyTorch, so that the
codecs (which use the affine transforms) import without PyTorch.
"""
from pose3d_toolbox.utils.lazy_names import lazy_names

#: public name -> its module.
_MODULES = dict(
    apply_affine='affine', bbox_from_keypoints='affine',
    crop_matrix='affine', invert_affine='affine', to_3x3='affine',
    warp_crop='affine',
    lift_with_depth='projection', perspective_project='projection',
    axis_angle_rotate='rotations', axis_rotation='rotations',
    euler_to_matrix='rotations', look_at='rotations', rotate='rotations')

__all__ = list(_MODULES)

__getattr__, __dir__ = lazy_names(__name__, _MODULES)
