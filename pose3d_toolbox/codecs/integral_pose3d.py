"""The 3D representation every image -> 3D head shares: integral regression
of a per-joint volume (Sun et al., "Integral Human Pose Regression", ECCV
2018; HEMlets, Zhou et al. 2019, Sec. 3.2, Eq. 5-6).

A joint lives in a ``(D, h, w)`` volume over the crop: ``x, y`` are heatmap
pixels of the crop (:mod:`.heatmap`'s conventions: ``crop_matrix`` maps
image to input pixels, heatmap pixel ``(x + 0.5) w / W - 0.5``), ``z`` is
the depth relative to the root over ``depth_range`` metres (2 m: +-1 m) in
``D`` bins whose centres are ``z_bin = (z / depth_range + 0.5) D - 0.5``.
Grid coordinates (what :func:`~pose3d_toolbox.models.utils.soft_argmax`
returns: columns, rows, bins with cell centres at integers) and the
normalised coordinates the loss uses are related, per axis of size ``n``
(``w``, ``h``, ``D``), by::

    normalised = (grid + 0.5) / n - 0.5        # cell centres in (-0.5, 0.5)

so ``z_normalised = z / depth_range`` and the x, y of the crop's border
are +-0.5.

Decoding to camera space (metres):

1. normalised -> heatmap -> input pixels -> image pixels through the
   inverse ``crop_matrix`` (rotation, scale, flip of the augmentation
   included);
2. ``Z_i = Z_root + z_i - z_root`` (the predicted depths relative to the
   predicted root, whose target is 0) with the root depth ``Z_root``
   either from the ground truth (``root_depth='ground_truth'``: the
   convention of Human3.6M Protocol #1 in Integral Regression and HEMlets;
   a result under it must say so) or estimated from the prediction alone
   (``root_depth='bone_length_fit'``:
   :func:`~pose3d_toolbox.utils.bone_length_root_depth`, the root depth
   whose back-projected bones best match the skeleton's mean bone
   lengths);
3. back-projection ``X_i = (u_i - c) Z_i / f`` through the sample's
   intrinsics (pinhole, no lens distortion).
"""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from pose3d_toolbox.registry import KEYPOINT_CODECS
from pose3d_toolbox.skeletons import Skeleton
from pose3d_toolbox.utils.camera import (bone_length_root_depth,
                                         pixel_to_camera)
from .base import TARGET_WEIGHT, BaseKeypointCodec
from .heatmap import heatmap_to_image, input_to_heatmap

#: data key of the ``(J, 3)`` normalised target.
KEYPOINTS_3D_TARGET = 'keypoints_3d_target'
#: meta key of the ground-truth root depth (metres), read by decoding under
#: ``root_depth='ground_truth'``.
GT_ROOT_DEPTH = 'gt_root_depth'
#: where the decoded root depth comes from.
ROOT_DEPTH_SOURCES = ('ground_truth', 'bone_length_fit')


@KEYPOINT_CODECS.register_module()
class IntegralPose3DCodec(BaseKeypointCodec):
    """Integral 3D regression targets of a top-down crop, decoded to
    camera-space metres.

    Encode (reads ``keypoints_2d_crop`` ``(J, 2)`` input pixels, written by
    :class:`~pose3d_toolbox.datasets.transforms.TopdownAffine`;
    ``keypoints_3d`` ``(S, J, 3)`` or ``(J, 3)`` camera metres at
    ``target_index`` when the sample has 3D; ``keypoints_valid``):

    - ``keypoints_3d_target``: ``(J, 3)`` float32 normalised ``(x, y, z)``
      (module docstring); ``z = 0`` for samples without 3D (their z is not
      trained: the head weighs it by
      :func:`~pose3d_toolbox.models.utils.weight_3d`). ``z`` beyond the
      depth range is kept (the read-out saturates at the edge bins).
    - ``target_weight``: ``(J,)`` 1 for labelled joints inside the heatmap,
      else 0.
    - ``gt_root_depth``: the root's camera ``z`` (metres), samples with 3D
      only; a meta key for ``root_depth='ground_truth'``.

    Decode (``(N, J, 3)`` normalised coordinates and the samples' metas
    with ``camera`` (``f``, ``c``), ``crop_matrix`` and, for
    ``'ground_truth'``, ``gt_root_depth``):

    - ``keypoints_3d`` ``(N, J, 3)`` camera metres, ``root`` ``(N, 3)``;
    - ``keypoints_2d`` ``(N, J, 2)`` image pixels, ``keypoints_2d_input``
      input pixels.

    Args:
        input_size: ``(W, H)`` of the network input.
        heatmap_size: ``(w, h)`` of the volume.
        depth_bins: ``D``, the volume's depth bins.
        depth_range: metres of root-relative depth the ``D`` bins span
            (centred on the root).
        root_depth: ``'ground_truth'`` (Protocol #1 convention) or
            ``'bone_length_fit'`` (no ground truth).
        bone_lengths: the mean bone lengths of ``'bone_length_fit'``: a
            name in the skeleton's ``extras['mean_bone_lengths']`` (e.g.
            ``'cmu'``: the embedded data's training subjects) or ``(B,)``
            metres in :attr:`~pose3d_toolbox.skeletons.Skeleton.bones`
            order (NaN leaves a bone out).
        max_root_depth: the largest root depth ``'bone_length_fit'``
            returns, metres (a safeguard for predictions collapsed to a
            point, whose fit is at infinity; the embedded CMU rigs'
            cameras stand 3.5-7 m from the scene centre).
        skeleton: the joints (a name or a ``Skeleton``).
    """

    #: what ``tests/test_codecs/test_roundtrip.py`` feeds this codec.
    sample_kind = 'topdown_3d'
    target_key = KEYPOINTS_3D_TARGET
    decodes_absolute = True

    def __init__(self, input_size: Sequence[int] = (256, 256),
                 heatmap_size: Sequence[int] = (64, 64),
                 depth_bins: int = 64, depth_range: float = 2.0,
                 root_depth: str = 'ground_truth',
                 bone_lengths: Union[None, str, Sequence[float]] = None,
                 max_root_depth: float = 100.0,
                 skeleton: Union[str, Skeleton] = 'h36m'):
        super().__init__(skeleton)
        name = type(self).__name__
        self.input_size = tuple(int(s) for s in input_size)
        self.heatmap_size = tuple(int(s) for s in heatmap_size)
        if len(self.input_size) != 2 or len(self.heatmap_size) != 2:
            raise ValueError(f'{name}: input_size and heatmap_size must be '
                             f'(W, H) pairs, got {input_size!r}, '
                             f'{heatmap_size!r}')
        self.depth_bins = int(depth_bins)
        self.depth_range = float(depth_range)
        if self.depth_bins < 1 or not self.depth_range > 0:
            raise ValueError(f'{name}: depth_bins must be >= 1 and '
                             f'depth_range > 0 (metres), got {depth_bins!r}'
                             f', {depth_range!r}')
        if root_depth not in ROOT_DEPTH_SOURCES:
            raise ValueError(f'{name}: root_depth must be one of '
                             f'{ROOT_DEPTH_SOURCES}, got {root_depth!r}')
        self.root_depth = root_depth
        self.max_root_depth = float(max_root_depth)
        self.bone_lengths = self._bone_lengths(bone_lengths)
        if root_depth == 'bone_length_fit' and self.bone_lengths is None:
            raise ValueError(
                f"{name}: root_depth='bone_length_fit' needs bone_lengths "
                "(a name in the skeleton's extras['mean_bone_lengths'], "
                f"known for {self.skeleton.name!r}: "
                f'{sorted(self.skeleton.extras.get("mean_bone_lengths", {}))}'
                ', or one length per bone in metres)')

    def _bone_lengths(self, lengths) -> Optional[np.ndarray]:
        if lengths is None:
            return None
        if isinstance(lengths, str):
            return self.skeleton.mean_bone_lengths(lengths)
        lengths = np.asarray(lengths, np.float64).reshape(-1)
        if len(lengths) != len(self.skeleton.bones):
            raise ValueError(
                f'{type(self).__name__}: {len(lengths)} bone_lengths for '
                f'the {len(self.skeleton.bones)} bones of skeleton '
                f'{self.skeleton.name!r} (Skeleton.bones order)')
        return lengths

    @property
    def grid_size(self) -> tuple:
        """``(w, h, D)``: the volume's size along x, y, z."""
        return self.heatmap_size + (self.depth_bins, )

    def grid_to_normalized(self, grid):
        """``(..., 3)`` grid coordinates (numpy or torch) -> normalised."""
        size = grid.new_tensor(self.grid_size) if hasattr(
            grid, 'new_tensor') else np.asarray(self.grid_size, np.float64)
        return (grid + 0.5) / size - 0.5

    def normalized_to_grid(self, coords):
        """Inverse of :meth:`grid_to_normalized`."""
        size = coords.new_tensor(self.grid_size) if hasattr(
            coords, 'new_tensor') else np.asarray(self.grid_size, np.float64)
        return (coords + 0.5) * size - 0.5

    def encode(self, sample: Dict) -> Dict[str, np.ndarray]:
        name = type(self).__name__
        if 'keypoints_2d_crop' not in sample:
            raise KeyError(f'{name}: the sample has no '
                           "'keypoints_2d_crop'; put TopdownAffine before "
                           'GenerateTarget in the pipeline')
        kp = np.asarray(sample['keypoints_2d_crop'], np.float64)
        self._check(kp, 'keypoints_2d_crop')
        grid = np.zeros((self.num_keypoints, 3))
        grid[:, :2] = input_to_heatmap(kp, self.input_size,
                                       self.heatmap_size)
        w, h = self.heatmap_size
        inside = ((grid[:, 0] >= -0.5) & (grid[:, 0] < w - 0.5)
                  & (grid[:, 1] >= -0.5) & (grid[:, 1] < h - 0.5))
        weight = inside.astype(np.float32)
        if sample.get('keypoints_valid') is not None:
            weight *= np.asarray(sample['keypoints_valid'],
                                 np.float32).reshape(-1) > 0
        target = self.grid_to_normalized(grid)
        target[:, 2] = 0  # the root's depth; z of samples without 3D
        out = {TARGET_WEIGHT: weight}
        kp3d = sample.get('keypoints_3d')
        if kp3d is not None and sample.get('has_3d', True):
            kp3d = np.asarray(kp3d, np.float64)
            if kp3d.ndim == 3:
                kp3d = kp3d[int(sample.get('target_index', 0))]
            self._check(kp3d, 'keypoints_3d')
            root = kp3d[self.root_index, 2]
            if root <= 0:
                raise ValueError(
                    f'{name}: the root depth is {root:.3f} m; keypoints_3d '
                    'must be absolute camera coordinates (z > 0)')
            target[:, 2] = (kp3d[:, 2] - root) / self.depth_range
            out[GT_ROOT_DEPTH] = np.float32(root)
        out[KEYPOINTS_3D_TARGET] = target.astype(np.float32)
        return out

    def _root_depths(self, image: np.ndarray, rel: np.ndarray,
                     metas: List[Dict], f: np.ndarray,
                     c: np.ndarray) -> np.ndarray:
        """``(N,)`` root depths of the decoded batch."""
        if self.root_depth == 'ground_truth':
            missing = [i for i, m in enumerate(metas)
                       if m.get(GT_ROOT_DEPTH) is None]
            if missing:
                raise KeyError(
                    f"{type(self).__name__}: root_depth='ground_truth' but "
                    f'samples {missing} have no {GT_ROOT_DEPTH!r}; add '
                    'GenerateTarget with this codec to the test pipeline '
                    "(samples with 3D), or use root_depth='bone_length_fit'")
            return np.array([float(m[GT_ROOT_DEPTH]) for m in metas])
        return bone_length_root_depth(image, rel, f, c, self.skeleton.bones,
                                      self.bone_lengths, self.max_root_depth)

    def decode(self, outputs: np.ndarray, metas: List[Dict]) -> Dict:
        """``(N, J, 3)`` normalised coordinates -> camera metres (see the
        class docstring)."""
        coords = np.asarray(outputs, np.float64).reshape(
            len(outputs), self.num_keypoints, 3)
        grid = self.normalized_to_grid(coords)
        image, inp = heatmap_to_image(grid[..., :2], metas, self.input_size,
                                      self.heatmap_size)
        # depths relative to the predicted root (whose target is 0)
        rel = (coords[..., 2] - coords[:, self.root_index, 2:3]) * \
            self.depth_range
        cams = [m.get('camera') for m in metas]
        if any(cam is None or cam.get('f') is None or cam.get('c') is None
               for cam in cams):
            raise KeyError(f"{type(self).__name__}: decoding to metres needs "
                           "each sample's camera intrinsics (meta 'camera' "
                           "with 'f' and 'c'); pack 'camera' into the metas")
        f = np.stack([np.asarray(cam['f'], np.float64).reshape(2)
                      for cam in cams])
        c = np.stack([np.asarray(cam['c'], np.float64).reshape(2)
                      for cam in cams])
        depth = self._root_depths(image, rel, metas, f, c)[:, None] + rel
        kp3d = np.stack([pixel_to_camera(image[i], depth[i], f[i], c[i])
                         for i in range(len(image))])
        return dict(keypoints_3d=kp3d.astype(np.float32),
                    root=kp3d[:, self.root_index].astype(np.float32),
                    keypoints_2d=image.astype(np.float32),
                    keypoints_2d_input=inp.astype(np.float32))
