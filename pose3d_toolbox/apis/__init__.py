"""User-facing entry points: model-zoo access, inference set-up, BVH and
ONNX export.

The names are imported on first use (PEP 562), so that the torch-free
parts (keypoint readers, BVH export, the onnxruntime lifter
:class:`~.onnx_lifter.OnnxLifter`) import without PyTorch.

Importing this package registers the toolbox's checkpoint loaders with
mmengine (see :mod:`pose3d_toolbox.apis.model_zoo`), which the tools do:
at once when mmengine's runner is already imported, else as soon as it is
(the loaders are mmengine's ``CheckpointLoader`` schemes, read only by
mmengine's runner, whose import pulls in PyTorch).
"""
import importlib
import importlib.abc
import importlib.util
import sys

from pose3d_toolbox.utils.lazy_names import lazy_names

#: public name -> its module.
_MODULES = dict(
    read_bvh_joints='bvh_export', write_bvh='bvh_export',
    init_model='inference', resolve_model='inference',
    InferenceResult='inferencer', Pose3DInferencer='inferencer',
    default_camera='lifting_core', LiftResult='lifting_core',
    KeypointInput='keypoint_io', read_keypoints='keypoint_io',
    ModelInfo='model_zoo', config_and_checkpoint='model_zoo',
    get_model_info='model_zoo', load_model_index='model_zoo',
    register_checkpoint_loaders='model_zoo', resolve_weights='model_zoo',
    export_onnx='onnx_export', OnnxLifter='onnx_lifter')

__all__ = sorted(_MODULES)

#: the module whose import registers the loaders, and the one it needs.
_REGISTERING, _RUNNER = f'{__name__}.model_zoo', 'mmengine.runner'

__getattr__, __dir__ = lazy_names(__name__, _MODULES)


class _RegisterWithRunner(importlib.abc.MetaPathFinder):
    """Import :mod:`.model_zoo` (registering the checkpoint loaders) right
    after ``mmengine.runner`` is imported, wherever that happens."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _RUNNER:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_register(module):
            exec_module(module)
            importlib.import_module(_REGISTERING)

        spec.loader.exec_module = exec_and_register
        return spec


if _RUNNER in sys.modules:
    importlib.import_module(_REGISTERING)
elif not any(isinstance(f, _RegisterWithRunner) for f in sys.meta_path):
    sys.meta_path.insert(0, _RegisterWithRunner())
