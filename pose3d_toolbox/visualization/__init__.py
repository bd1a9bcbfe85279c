"""Visualisation: matplotlib drawing of 2D and 3D skeletons
(:mod:`.skeleton`) and of HEMlets samples (:mod:`.hemlets`)."""
from .hemlets import draw_hemlets
from .skeleton import (SIDE_COLORS, bone_sides, camera_to_plot,
                       draw_skeleton_2d, draw_skeleton_3d, joint_colors,
                       joint_side, new_figure, set_axes_equal_3d)

__all__ = ['SIDE_COLORS', 'bone_sides', 'camera_to_plot', 'draw_skeleton_2d',
           'draw_skeleton_3d', 'joint_colors', 'joint_side', 'new_figure',
           'set_axes_equal_3d', 'draw_hemlets']
