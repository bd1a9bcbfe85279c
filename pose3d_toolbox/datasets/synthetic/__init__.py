"""Synthetic data: camera rigs, capsule-body visibility and fast rendering.

World frame: Z up, metres; poses ``(T, 17, 3)`` in the H36M-17 order.
Camera dicts follow :mod:`pose3d_toolbox.utils.camera`.
"""
from .cameras import H36M_INTRINSICS, h36m_like_rig, make_camera, random_rig
from .poses import (make_poses, random_poses, standing_pose, t_pose,
                    walking_poses)
from pose3d_toolbox.geometry import (bbox_from_keypoints, crop_matrix,
                                     look_at)
from .render import (CACHE_DIR_ENV, RenderCache, RenderedPerson, prerender,
                     random_background, random_palette, render_cache_dir,
                     render_person, render_sample, user_cache_dir)
from .visibility import (BODY, CAPSULES, PARTS, CapsuleBody, Visibility,
                         joint_visibility, segment_distance)

__all__ = [
    'H36M_INTRINSICS', 'h36m_like_rig', 'look_at', 'make_camera',
    'random_rig', 'make_poses', 'random_poses', 'standing_pose', 't_pose',
    'walking_poses', 'CACHE_DIR_ENV', 'RenderCache', 'RenderedPerson',
    'bbox_from_keypoints',
    'crop_matrix', 'prerender', 'random_background', 'random_palette',
    'render_cache_dir', 'render_person', 'render_sample', 'user_cache_dir',
    'BODY', 'CAPSULES', 'PARTS',
    'CapsuleBody', 'Visibility', 'joint_visibility', 'segment_distance'
]
