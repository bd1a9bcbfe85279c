"""2D-to-3D pose lifter: backbone -> (neck) -> head."""
from pose3d_toolbox.registry import MODELS
from ..utils import flip_keypoints
from .base import ComposedPoseEstimator


@MODELS.register_module()
class PoseLifter(ComposedPoseEstimator):
    """A lifting estimator composed of registered parts.

    ``inputs`` ``(N, S, J, 2)``: normalised 2D keypoints (see the codec);
    ``'tensor'`` mode returns the head's raw output.

    Flip test (``test_cfg=dict(flip_test=True)``): mirroring negates x and
    swaps the skeleton's left and right joints, in the input and in the
    output; it assumes the codec centres the 2D input on the image
    (``PoseLiftingCodec``, about the image centre) or on the principal point
    (``AbsPoseCodec``, exact).

    Args: see :class:`~.base.ComposedPoseEstimator`; ``skeleton`` gives the
    flip test's joint swap.
    """

    def flip_input(self, inputs):
        return flip_keypoints(inputs, self.skeleton.flip_indices.tolist())

    def flip_output(self, outputs, data_samples):
        return flip_keypoints(outputs, self.skeleton.flip_indices.tolist())
