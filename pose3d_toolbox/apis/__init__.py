"""User-facing entry points: model-zoo access, inference set-up, BVH and
ONNX export.

Importing this package registers the toolbox's checkpoint loaders with
mmengine (see :mod:`pose3d_toolbox.apis.model_zoo`), which the tools do.
"""
from .bvh_export import read_bvh_joints, write_bvh
from .inference import init_model, resolve_model
from .inferencer import InferenceResult, Pose3DInferencer, default_camera
from .keypoint_io import KeypointInput, read_keypoints
from .model_zoo import (ModelInfo, config_and_checkpoint, get_model_info,
                        load_model_index, register_checkpoint_loaders,
                        resolve_weights)
from .onnx_export import export_onnx

__all__ = ['InferenceResult', 'KeypointInput', 'ModelInfo',
           'Pose3DInferencer', 'config_and_checkpoint', 'default_camera',
           'export_onnx', 'get_model_info', 'init_model', 'load_model_index',
           'read_bvh_joints', 'read_keypoints', 'register_checkpoint_loaders',
           'resolve_model', 'resolve_weights', 'write_bvh']
