"""Codec of ElePose (Wandt et al., CVPR 2022): head-normalised 2D input."""
from typing import Dict, List, Union

import numpy as np

from pose3d_toolbox.registry import KEYPOINT_CODECS
from pose3d_toolbox.skeletons import Skeleton, get_skeleton
from .base import (LIFTING_INPUT, LIFTING_TARGET, TARGET_WEIGHT,
                   BaseKeypointCodec)

# The authors' constant for Human3.6M (their ``normalize_head_test``): the
# mean root-to-head distance of its 2D poses, in pixels.
H36M_HEAD_DISTANCE = 145.5329587164913


def mean_head_distance(keypoints_2d: np.ndarray,
                       skeleton: Union[str, Skeleton] = 'h36m') -> float:
    """Mean root-to-head distance of ``(M, J, 2)`` 2D poses (pixels): the
    ``head_distance`` of :class:`ElePoseCodec`, computed on the training
    poses; root and head are the skeleton's ``root_index`` and
    ``head_index``."""
    skel = get_skeleton(skeleton)
    kp = np.asarray(keypoints_2d, np.float64)
    return float(np.linalg.norm(kp[:, skel.head_index] -
                                kp[:, skel.root_index], axis=-1).mean())


def normalize_head(keypoints_2d: np.ndarray, head_distance: float,
                   skeleton: Union[str, Skeleton] = 'h36m',
                   scale: float = 0.1) -> np.ndarray:
    """Centre ``(..., J, 2)`` 2D poses on the root, divide them by the
    dataset's mean root-to-head distance ``head_distance`` and multiply by
    ``scale`` (ElePose Sec. 3; the authors' ``normalize_head``). One divisor
    for every pose: the normalised poses keep their relative image size, so
    the flow learns a density over sizes too, and the perspective projection
    of a lifted pose at depth ``D = 10`` lands in the same space without
    rescaling."""
    root = get_skeleton(skeleton).root_index
    centred = keypoints_2d - keypoints_2d[..., root:root + 1, :]
    return centred / float(head_distance) * scale


@KEYPOINT_CODECS.register_module()
class ElePoseCodec(BaseKeypointCodec):
    """ElePose's normalisation; the unsupervised lifter has no metric scale.

    Encode:
        - ``lifting_input``: ``(S, J, 2)`` pixels through
          :func:`normalize_head` (root at the origin, the mean root-to-head
          distance ``scale``). Pixels are used directly, which equals
          normalised image coordinates up to one factor for square pixels.
        - ``lifting_target``: ``(J, 3)`` root-relative target-frame pose in
          lifter units (metres / ``metres_per_unit``). It is *never* used for
          training (ElePose sees 2D only); it exists so that the codec's
          round trip is testable and evaluation can decode.
        - ``target_weight``: ``(J,)`` ones, zero at the root.

    Decode: lifter outputs ``(N, J, 3)`` (root-relative, camera axes) times
    ``metres_per_unit``, root set to zero.

    The lifter's unit is the one fixed by the input normalisation: a
    root-to-head distance of about 1 (0.1 in the image at depth 10). Metric
    scale is unobservable without 3D data, so ``metres_per_unit`` is an
    assumed constant (0.7 m, about the pelvis-to-head distance of an adult);
    N-MPJPE, PA-MPJPE, N-PCK and CPS do not depend on it.

    Args:
        skeleton: the joints (a name or a ``Skeleton``): ``J`` and the root.
        head_distance: the training 2D poses' mean root-to-head distance in
            pixels (:func:`mean_head_distance`); the default is the authors'
            Human3.6M value. Test poses are divided by the same number.
        scale: mean root-to-head distance after normalisation (0.1).
        metres_per_unit: metres per lifter unit, for decoding.
    """

    def __init__(self, skeleton: Union[str, Skeleton] = 'h36m',
                 head_distance: float = H36M_HEAD_DISTANCE,
                 scale: float = 0.1, metres_per_unit: float = 0.7):
        if not head_distance > 0:
            raise ValueError('ElePoseCodec: head_distance must be the '
                             'positive mean root-to-head distance (pixels) of '
                             f'the training 2D poses, got {head_distance!r}; '
                             'compute it with codecs.mean_head_distance')
        super().__init__(skeleton)
        self.head_distance = float(head_distance)
        self.scale = float(scale)
        self.metres_per_unit = float(metres_per_unit)

    def encode(self, sample: Dict) -> Dict[str, np.ndarray]:
        kp2d, kp3d = self._read_keypoints(sample)
        target, weight = self._root_relative_target(kp3d,
                                                    sample['target_index'])
        return {
            LIFTING_INPUT: normalize_head(kp2d, self.head_distance,
                                          self.skeleton,
                                          self.scale).astype(np.float32),
            LIFTING_TARGET: target / self.metres_per_unit,
            TARGET_WEIGHT: weight,
        }

    def encode_batch(self, batch: Dict) -> Dict[str, np.ndarray]:
        """:meth:`encode` of a whole lifting batch: every step broadcasts
        over the leading batch axis."""
        return self.encode(batch)

    def decode(self, outputs: np.ndarray, metas: List[Dict]) -> Dict:
        kp3d = np.asarray(outputs, dtype=np.float32).reshape(
            len(outputs), self.num_keypoints, 3) * self.metres_per_unit
        kp3d = kp3d - kp3d[:, self.root_index:self.root_index + 1]
        return dict(keypoints_3d=kp3d)
