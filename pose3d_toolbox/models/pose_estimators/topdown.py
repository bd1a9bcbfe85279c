"""Top-down image estimator: image crop -> backbone -> (neck) -> head."""
from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import get_skeleton
from ..utils import flip_heatmaps
from .base import ComposedPoseEstimator


@MODELS.register_module()
class TopdownPoseEstimator(ComposedPoseEstimator):
    """A top-down estimator of registered parts (backbone, neck, head).

    ``inputs`` ``(N, 3, H, W)``: normalised crops; ``'tensor'`` mode returns
    the head's raw output (heatmaps).

    Flip test (``test_cfg=dict(flip_test=True)``): the mirrored crop's
    heatmaps are mirrored back (width reversed, joints swapped by the
    skeleton's ``flip_indices``: the data samples' ``skeleton``, else the
    model's) and averaged with the crop's before decoding; a head with a
    ``flip_output(outputs, skeleton)`` method (several outputs, e.g.
    :class:`~pose3d_toolbox.models.heads.HEMletsHead`) mirrors its own.

    Args: see :class:`~.base.ComposedPoseEstimator`; the data preprocessor
    defaults to ``ImageDataPreprocessor`` (ImageNet mean / std).
    """

    default_data_preprocessor = dict(type='ImageDataPreprocessor')

    def flip_input(self, inputs):
        return inputs.flip(-1)

    def flip_output(self, outputs, data_samples):
        name = data_samples[0].metainfo.get('skeleton') if data_samples \
            else None
        skeleton = get_skeleton(name) if name else self.skeleton
        if hasattr(self.head, 'flip_output'):  # heads of several outputs
            return self.head.flip_output(outputs, skeleton)
        return flip_heatmaps(outputs, skeleton.flip_indices)
