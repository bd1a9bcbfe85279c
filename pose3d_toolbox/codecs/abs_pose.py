"""Codec of AbsPoseLifter (Chang et al.): canonical root depth plus a
root-relative pose, decoded to an absolute camera-space pose."""
from typing import Dict, List, Union

import numpy as np

from pose3d_toolbox.registry import KEYPOINT_CODECS
from pose3d_toolbox.skeletons import Skeleton
from pose3d_toolbox.utils.camera import stack_cameras
from .base import (LIFTING_INPUT, LIFTING_TARGET, TARGET_WEIGHT,
                   BaseKeypointCodec)

#: meta key holding the target frame's input root in pixels relative to the
#: principal point, ``(2,)``: the ``r - c`` of Eq. 5.
ROOT_2D = 'root_2d'


def canonical_focal(f) -> np.ndarray:
    """``alpha = sqrt(fx * fy)`` of a ``(2, 1)`` or ``(2,)`` focal length."""
    f = np.asarray(f, np.float64).reshape(2)
    return np.sqrt(f[0] * f[1])


def root_from_depth(root_2d, depth, f) -> np.ndarray:
    """Back-project the root (paper Eq. 5).

    Args:
        root_2d: ``(N, 2)`` root pixels minus the principal point.
        depth: ``(N,)`` absolute root depth ``R_z``, metres.
        f: ``(N, 2)`` focal lengths ``(fx, fy)``, pixels.

    Returns:
        ``(N, 3)`` root ``(R_x, R_y, R_z)`` with ``R_x = (r_x - c_x) R_z /
        f_x`` (and likewise for y), metres.
    """
    depth = np.asarray(depth, np.float64)[:, None]
    xy = np.asarray(root_2d, np.float64) * depth / np.asarray(f, np.float64)
    return np.concatenate([xy, depth], axis=1)


@KEYPOINT_CODECS.register_module()
class AbsPoseCodec(BaseKeypointCodec):
    """AbsPoseLifter's inputs and targets.

    Encode:
        - ``lifting_input``: ``(S, J, 2)`` pixels minus the principal point
          (Eq. 1). The normalisation by location and scale (Eq. 2-4) is the
          network's first layer, :class:`AbsPoseNormalization`.
        - ``lifting_target``: ``(J, 3)``. Every non-root row holds the
          root-relative pose in metres; the root row holds ``(0, 0, d)``
          with ``d`` the root depth target. With ``depth='canonical'``,
          ``d = R_z * f0 / alpha``, the canonical root depth ``R_z / alpha``
          (Eq. 6, ``alpha = sqrt(fx fy)``) rescaled by a reference focal
          length ``f0`` so that it reads as metres seen through an
          ``f0``-pixel lens (as the authors' code does). With
          ``depth='absolute'``, ``d = R_z`` (the "w/o canonical loss"
          variant of the paper's Table 5). ``depth_offset`` is subtracted
          from ``d`` so that the network starts near typical depths (an
          optimiser moving a bias by ~lr per step needs thousands of steps
          to reach ``d ~ 5`` from 0).
        - ``target_weight``: ``(J,)`` ones.
        - ``root_2d``: ``(2,)`` the target frame's input root minus the
          principal point, kept as meta information for decoding.

    Decode: ``R_z = d * alpha / f0`` (or ``d``), ``R_x, R_y`` by Eq. 5,
    ``P_i = R + P~_i``. Without a camera focal length (``meta['camera']``
    lacking ``f``), the pose is decoded through the canonical camera
    ``alpha = f0``.

    Args:
        skeleton: the joints (a name or a ``Skeleton``): ``J`` and the root.
        depth: ``'canonical'`` or ``'absolute'``.
        f0: reference focal length in pixels.
        depth_offset: subtracted from the depth target (metres).
    """
    decodes_absolute = True

    def __init__(self, skeleton: Union[str, Skeleton] = 'h36m',
                 depth: str = 'canonical', f0: float = 1000.0,
                 depth_offset: float = 0.0):
        if depth not in ('canonical', 'absolute'):
            raise ValueError(f"AbsPoseCodec: depth must be 'canonical' or "
                             f"'absolute', got {depth!r}")
        super().__init__(skeleton)
        self.depth = depth
        self.f0 = float(f0)
        self.depth_offset = float(depth_offset)

    def _depth_scale(self, camera) -> float:
        """``d = R_z * scale``."""
        if self.depth == 'absolute':
            return 1.0
        if camera is None or camera.get('f') is None:
            return 1.0  # the canonical camera: alpha = f0
        return self.f0 / canonical_focal(camera['f'])

    def encode(self, sample: Dict) -> Dict[str, np.ndarray]:
        kp2d, kp3d = self._read_keypoints(sample)
        cam = sample['camera']
        centred = kp2d - np.asarray(cam['c'], np.float32).reshape(2)
        pose = kp3d[sample['target_index']]
        root = pose[self.root_index]
        if root[2] <= 0:
            raise ValueError(
                f'AbsPoseCodec: the root depth is {root[2]:.3f} m; '
                'keypoints_3d must be absolute camera coordinates (z > 0)')
        target = pose - root
        target[self.root_index] = (
            0, 0, root[2] * self._depth_scale(cam) - self.depth_offset)
        return {
            LIFTING_INPUT: centred,
            LIFTING_TARGET: target.astype(np.float32),
            TARGET_WEIGHT: np.ones(self.num_keypoints, np.float32),
            ROOT_2D: centred[sample['target_index'], self.root_index],
        }

    def encode_batch(self, batch: Dict) -> Dict[str, np.ndarray]:
        """:meth:`encode` of a whole lifting batch in one pass (the same
        arithmetic per sample)."""
        kp2d, kp3d = self._read_keypoints(batch)
        cams = batch['camera']
        t = batch['target_index']
        centred = kp2d - stack_cameras(cams, ('c', ))['c'].astype(
            np.float32)[:, None, None, :]
        pose = kp3d[:, t]
        root = pose[:, self.root_index]
        if (root[:, 2] <= 0).any():
            raise ValueError(
                f'AbsPoseCodec: the root depth is '
                f'{root[root[:, 2] <= 0][0, 2]:.3f} m; keypoints_3d must be '
                'absolute camera coordinates (z > 0)')
        target = pose - root[:, None]
        scale = [self._depth_scale(cam) for cam in cams]
        if all(isinstance(s, np.float64) for s in scale):
            depth = root[:, 2] * np.array(scale) - self.depth_offset
        else:  # python 1.0: float32 arithmetic, as encode does it
            depth = [z * s - self.depth_offset
                     for z, s in zip(root[:, 2], scale)]
        target[:, self.root_index] = 0
        target[:, self.root_index, 2] = depth
        return {
            LIFTING_INPUT: centred,
            LIFTING_TARGET: target.astype(np.float32),
            TARGET_WEIGHT: np.ones(target.shape[:-1], np.float32),
            ROOT_2D: centred[:, t, self.root_index],
        }

    def decode(self, outputs: np.ndarray, metas: List[Dict]) -> Dict:
        out = np.asarray(outputs, np.float64).reshape(
            len(outputs), self.num_keypoints, 3)
        rel = out.copy()
        rel[:, self.root_index] = 0
        cams = [m.get('camera') for m in metas]
        scale = np.array([self._depth_scale(c) for c in cams])
        f = np.array([np.asarray(c['f'], np.float64).reshape(2)
                      if c is not None and c.get('f') is not None
                      else (self.f0, self.f0) for c in cams])
        root_2d = np.stack([np.asarray(m[ROOT_2D], np.float64)
                            for m in metas])
        depth = (out[:, self.root_index, 2] + self.depth_offset) / scale
        root = root_from_depth(root_2d, depth, f)
        return dict(keypoints_3d=(rel + root[:, None]).astype(np.float32),
                    root=root.astype(np.float32))
