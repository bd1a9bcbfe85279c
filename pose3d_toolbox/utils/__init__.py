from .camera import (bone_length_root_depth, camera_to_pixel,
                     camera_to_world, pixel_to_camera, validate_camera,
                     weak_perspective_root, world_to_camera, world_to_pixel)

__all__ = ['bone_length_root_depth', 'camera_to_pixel', 'camera_to_world',
           'pixel_to_camera', 'validate_camera', 'weak_perspective_root',
           'world_to_camera', 'world_to_pixel']
