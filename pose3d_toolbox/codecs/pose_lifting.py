"""Codec of 2D->3D lifters that predict a root-relative pose."""
from typing import Dict, List, Union

import numpy as np

from pose3d_toolbox.registry import KEYPOINT_CODECS
from pose3d_toolbox.skeletons import Skeleton
from pose3d_toolbox.utils.camera import stack_cameras
from .base import (LIFTING_INPUT, LIFTING_TARGET, TARGET_WEIGHT,
                   BaseKeypointCodec)


def normalize_screen(keypoints_2d: np.ndarray, w, h) -> np.ndarray:
    """Pixels ``(..., 2)`` -> ``[-1, 1]`` along x, aspect kept (VideoPose3D).

    ``x_n = x / w * 2 - [1, h / w]``; :func:`denormalize_screen` inverts it.
    ``w``, ``h``: one image size, or ``(N,)`` sizes, one per item of the
    first axis (each item then as alone: the same arithmetic in the
    keypoints' dtype).
    """
    if np.ndim(w) == 0:
        return keypoints_2d / w * 2 - np.array([1, h / w],
                                               keypoints_2d.dtype)
    w, h = np.asarray(w, np.float64), np.asarray(h, np.float64)
    dtype, n = keypoints_2d.dtype, len(w)
    offset = (h / w).astype(dtype)
    # on (N, -1) rows: numpy loops fast over long rows, slowly over a
    # broadcast last axis of 2 (the same float operations either way)
    out = keypoints_2d.reshape(n, -1) / w.astype(dtype)[:, None]
    out *= 2
    xy = out.reshape(n, -1, 2)
    xy[..., 0] -= 1
    xy[..., 1] -= offset[:, None]
    return out.reshape(keypoints_2d.shape)


def denormalize_screen(keypoints_2d: np.ndarray, w, h) -> np.ndarray:
    """Inverse of :func:`normalize_screen`."""
    return (keypoints_2d + np.array([1, h / w], keypoints_2d.dtype)) * w / 2


@KEYPOINT_CODECS.register_module()
class PoseLiftingCodec(BaseKeypointCodec):
    """Screen-normalised 2D input, root-relative 3D target (SimpleBaseline).

    Encode:
        - ``lifting_input``: ``(S, J, 2)`` 2D keypoints through
          :func:`normalize_screen` with the camera's image size.
        - ``lifting_target``: ``(J, 3)`` target-frame pose minus its root,
          divided by ``target_scale`` (metres per unit).
        - ``target_weight``: ``(J,)`` ones (zero at the root, which carries
          no signal in a root-relative target).

    Decode: ``outputs`` ``(N, J, 3)`` times ``target_scale`` with the root
    joint set to zero -> root-relative metres.

    Martinez et al. (2017) z-score inputs and targets with dataset
    statistics; this codec instead uses a camera-based normalisation that
    needs no statistics file and is exact to invert.

    Args:
        skeleton: the joints (a name or a ``Skeleton``): ``J`` and the root.
        target_scale: metres per network unit of the target.
    """

    def __init__(self, skeleton: Union[str, Skeleton] = 'h36m',
                 target_scale: float = 1.0):
        super().__init__(skeleton)
        self.target_scale = float(target_scale)

    def encode(self, sample: Dict) -> Dict[str, np.ndarray]:
        kp2d, kp3d = self._read_keypoints(sample)
        cam = sample['camera']
        target, weight = self._root_relative_target(kp3d,
                                                    sample['target_index'])
        return {
            LIFTING_INPUT: normalize_screen(kp2d, float(cam['w']),
                                            float(cam['h'])),
            LIFTING_TARGET: target / self.target_scale,
            TARGET_WEIGHT: weight,
        }

    def normalize_input_batch(self, keypoints_2d: np.ndarray,
                              cameras: List[Dict]) -> np.ndarray:
        """Pixels ``(N, ..., J, 2)`` of ``N`` samples, each seen by its
        camera, -> network input, as :meth:`encode` normalises each."""
        kp = np.asarray(keypoints_2d, dtype=np.float32)
        self._check(kp, 'keypoints_2d')
        size = stack_cameras(cameras, ('w', 'h'))
        return normalize_screen(kp, size['w'], size['h'])

    def encode_batch(self, batch: Dict) -> Dict[str, np.ndarray]:
        """:meth:`encode` of a whole lifting batch in one pass."""
        kp2d, kp3d = self._read_keypoints(batch)
        target, weight = self._root_relative_target(kp3d,
                                                    batch['target_index'])
        return {
            LIFTING_INPUT: self.normalize_input_batch(kp2d, batch['camera']),
            LIFTING_TARGET: target / self.target_scale,
            TARGET_WEIGHT: weight,
        }

    def decode(self, outputs: np.ndarray, metas: List[Dict]) -> Dict:
        kp3d = np.asarray(outputs, dtype=np.float32).reshape(
            len(outputs), self.num_keypoints, 3) * self.target_scale
        kp3d[:, self.root_index] = 0
        return dict(keypoints_3d=kp3d)
