"""pose3d_toolbox: an MMPose-style toolbox for 3D human pose estimation."""
__version__ = '0.1.0'
