"""Visualisation: matplotlib drawing of 2D and 3D skeletons
(:mod:`.skeleton`), of HEMlets samples (:mod:`.hemlets`), of 3D pose
results and sequences (:mod:`.pose3d`, GIF/MP4), the interactive HTML
viewer (:mod:`.html_viewer`) and the registered
:class:`Pose3dLocalVisualizer` (:mod:`.visualizer`)."""
from .hemlets import draw_hemlets
from .html_viewer import save_html_viewer, viewer_figure
from .pose3d import (DEFAULT_VIEWS, GT_COLOR, draw_pose3d, keypoints_box,
                     read_image, sample_poses, save_animation, save_image,
                     sequence_bounds)
from .skeleton import (SIDE_COLORS, bone_sides, camera_to_plot,
                       draw_skeleton_2d, draw_skeleton_3d, joint_colors,
                       joint_side, new_figure, set_axes_equal_3d)
from .visualizer import Pose3dLocalVisualizer

__all__ = ['SIDE_COLORS', 'bone_sides', 'camera_to_plot', 'draw_skeleton_2d',
           'draw_skeleton_3d', 'joint_colors', 'joint_side', 'new_figure',
           'set_axes_equal_3d', 'draw_hemlets', 'DEFAULT_VIEWS', 'GT_COLOR',
           'draw_pose3d', 'keypoints_box', 'read_image', 'sample_poses',
           'save_animation', 'save_image', 'sequence_bounds',
           'save_html_viewer', 'viewer_figure', 'Pose3dLocalVisualizer']
