"""Top-down image pipeline: load, box, flip, random box, affine crop, colour.

Keys (``S`` frames, ``J`` joints, the target frame at ``target_index``):

- ``img``: ``(H, W, 3)`` uint8 RGB, the *source* image (a full image, or a
  crop that a dataset rendered, e.g. :class:`CMUMocapImageDataset`).
- ``crop_matrix``: ``(2, 3)`` affine from *image* pixels (the frame of
  ``keypoints_2d`` and the box) to ``img`` pixels; identity when ``img``
  is the full image. After :class:`TopdownAffine` it maps image pixels to
  the network input, so decoders invert it (one path for every dataset).
- ``bbox_center`` ``(2,)``, ``bbox_scale`` ``(2,)`` (w, h): the person's
  box in image pixels; ``bbox_rotation`` (degrees, screen
  counter-clockwise) set by :class:`RandomBBoxTransform`.
- ``keypoints_2d`` ``(S, J, 2)`` image pixels, ``keypoints_3d``
  ``(S, J, 3)`` camera metres, ``visibility`` ``(S, J)``,
  ``keypoints_valid`` ``(J,)`` (labelled joints, 2D datasets).
- written by :class:`TopdownAffine`: ``keypoints_2d_crop`` ``(J, 2)``
  input pixels, ``rotation_3d`` ``(3, 3)`` and ``keypoints_3d_crop``
  ``(J, 3)`` (the target pose turned about the optical axis like the crop,
  see :func:`crop_rotation_3d`), ``input_size``, ``img_shape``.
- ``flipped``: whether :class:`RandomFlip` mirrored the sample.

A horizontal flip mirrors the *image* frame about the vertical line
``u = u0`` through the principal point (``camera['c'][0]``; the image
centre for samples without a camera): ``u -> 2 u0 - u``. This is exactly the
projection of the 3D pose mirrored in camera space (``x -> -x``), so 2D and
3D stay consistent; left and right joints swap (skeleton ``flip_indices``).
The camera's extrinsics are left as they are (only intrinsics stay valid).
"""
import os.path as osp
from typing import Dict, Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from pose3d_toolbox.geometry import (apply_affine, axis_rotation,
                                     bbox_from_keypoints, invert_affine,
                                     to_3x3, warp_crop)
from pose3d_toolbox.registry import TRANSFORMS
from .lifting import RandomFlipLifting, flip_lifting_sample, sample_skeleton


def _target(results) -> int:
    return int(results.get('target_index', 0))


def crop_rotation_3d(rotation: float) -> np.ndarray:
    """``(3, 3)`` camera-frame rotation about the optical axis matching a
    crop turned ``rotation`` degrees screen-counter-clockwise
    (:func:`~..synthetic.render.crop_matrix`): for a pinhole with
    ``fx = fy``, ``project(R X) - c = R[:2, :2] (project(X) - c)``."""
    return axis_rotation('z', -np.deg2rad(rotation))


@TRANSFORMS.register_module()
class LoadImage(BaseTransform):
    """Read ``img_path`` as RGB uint8 into ``img`` (kept if already there);
    sets ``crop_matrix`` to the identity when the sample has none."""

    def transform(self, results: Dict) -> Dict:
        if results.get('img') is None:
            path = results.get('img_path', '')
            img = cv2.imread(path, cv2.IMREAD_COLOR) if path else None
            if img is None:
                raise FileNotFoundError(
                    f'LoadImage: cannot read image {path!r} (exists: '
                    f'{bool(path) and osp.exists(path)}); check the '
                    "dataset's data_root / data_prefix['img']")
            results['img'] = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        if results.get('crop_matrix') is None:
            results['crop_matrix'] = np.eye(2, 3, dtype=np.float32)
        results['img_shape'] = results['img'].shape[:2]
        return results


@TRANSFORMS.register_module()
class BBoxFromKeypoints(BaseTransform):
    """Set the box around the target frame's labelled 2D keypoints, enlarged
    by ``padding`` and to the input's aspect ratio (``aspect_ratio`` = W/H),
    unless the sample has one already."""

    def __init__(self, padding: float = 1.25, aspect_ratio: float = 1.0):
        self.padding, self.aspect_ratio = float(padding), float(aspect_ratio)

    def transform(self, results: Dict) -> Dict:
        if results.get('bbox_center') is not None:
            return results
        kp = np.asarray(results['keypoints_2d'])
        kp = kp[_target(results)] if kp.ndim == 3 else kp
        valid = results.get('keypoints_valid')
        if valid is not None and np.any(np.asarray(valid) > 0):
            kp = kp[np.asarray(valid).reshape(-1) > 0]
        center, scale = bbox_from_keypoints(kp, self.padding,
                                            self.aspect_ratio)
        results['bbox_center'] = center.astype(np.float32)
        results['bbox_scale'] = scale.astype(np.float32)
        return results


@TRANSFORMS.register_module()
class RandomFlip(RandomFlipLifting):
    """Mirror an image sample horizontally with probability ``prob``.

    Keypoints and camera go through :func:`flip_lifting_sample` about
    ``u0`` (see the module docstring): image-frame 2D ``u -> 2 u0 - u``,
    ``keypoints_3d`` ``x -> -x``, left and right joints swap in every
    per-joint array; ``bbox_center`` is mirrored too.
    ``crop_matrix`` absorbs the mirror, so :class:`TopdownAffine` warps the
    mirrored view out of the unchanged ``img``. Sets ``flipped``.

    Args: as :class:`RandomFlipLifting` (``prob``, ``skeleton``).
    """

    @staticmethod
    def flip_axis(results: Dict) -> float:
        cam = results.get('camera')
        if cam is not None and cam.get('c') is not None:
            return float(np.asarray(cam['c'], np.float64).reshape(-1)[0])
        if results.get('image_width') is not None:
            return (float(results['image_width']) - 1) / 2
        # the full image is ``img`` mapped back through crop_matrix
        h, w = results['img'].shape[:2]
        corners = np.array([[0.0, 0.0], [w - 1.0, h - 1.0]])
        x = apply_affine(invert_affine(results['crop_matrix']), corners)
        return float(x[:, 0].mean())

    def flip(self, results: Dict) -> Dict:
        """Apply the flip unconditionally."""
        perm = sample_skeleton(results, self.skeleton).flip_indices
        u0 = self.flip_axis(results)
        flip_lifting_sample(results, perm, axis=u0)
        if results.get('bbox_center') is not None:
            c = np.array(results['bbox_center'], np.float32, copy=True)
            c[0] = 2 * u0 - c[0]
            results['bbox_center'] = c
        mirror = np.array([[-1.0, 0.0, 2 * u0], [0.0, 1.0, 0.0]])
        # new image frame = mirror(old); img unchanged, so
        # crop_new = crop_old o mirror^-1 (a mirror is its own inverse)
        results['crop_matrix'] = (to_3x3(results['crop_matrix'])
                                  @ to_3x3(mirror))[:2].astype(np.float32)
        results['flipped'] = not results.get('flipped', False)
        return results

    def transform(self, results: Dict) -> Dict:
        results.setdefault('flipped', False)
        return super().transform(results)


@TRANSFORMS.register_module()
class RandomBBoxTransform(BaseTransform):
    """Random shift, scale and rotation of the box (the crop's zoom, pan
    and in-plane turn).

    Args:
        shift_factor: the centre moves by ``U(-f, f) * box size`` per axis.
        scale_range: the box size is multiplied by ``U(lo, hi)`` (a larger
            box zooms out).
        rotate_range: rotation ``U(-r, r)`` degrees (screen
            counter-clockwise) with probability ``rotate_prob``.
    """

    def __init__(self, shift_factor: float = 0.0,
                 scale_range: Sequence[float] = (0.75, 1.25),
                 rotate_range: float = 30.0, rotate_prob: float = 1.0):
        self.shift_factor = float(shift_factor)
        self.scale_range = tuple(float(s) for s in scale_range)
        self.rotate_range = float(rotate_range)
        self.rotate_prob = float(rotate_prob)

    def transform(self, results: Dict) -> Dict:
        scale = np.asarray(results['bbox_scale'], np.float32)
        shift = np.random.uniform(-1, 1, 2) * self.shift_factor * scale
        results['bbox_center'] = (np.asarray(results['bbox_center'],
                                             np.float32) + shift).astype(
                                                 np.float32)
        results['bbox_scale'] = (scale * np.random.uniform(
            *self.scale_range)).astype(np.float32)
        rot = 0.0
        if np.random.rand() < self.rotate_prob:
            rot = np.random.uniform(-self.rotate_range, self.rotate_range)
        results['bbox_rotation'] = float(results.get('bbox_rotation', 0.0)
                                         + rot)
        return results


@TRANSFORMS.register_module()
class TopdownAffine(BaseTransform):
    """Warp the box (centre, scale, rotation) to the ``input_size`` input.

    The affine ``M`` (image -> input pixels) is
    :func:`~..synthetic.render.crop_matrix` of the box; ``img`` is warped by
    ``M o crop_matrix^-1`` (bilinear, zero border) and ``crop_matrix``
    becomes ``M``. Writes ``keypoints_2d_crop = M keypoints_2d[target]``
    and, for 3D samples, ``rotation_3d`` and ``keypoints_3d_crop``.

    Args:
        input_size: ``(W, H)`` of the network input.
    """

    def __init__(self, input_size: Sequence[int] = (256, 256)):
        self.input_size = tuple(int(s) for s in input_size)

    def transform(self, results: Dict) -> Dict:
        W, H = self.input_size
        rot = float(results.get('bbox_rotation', 0.0))
        results['img'], M = warp_crop(
            results['img'], results['bbox_center'], results['bbox_scale'],
            self.input_size, rot, results.get('crop_matrix'))
        results['crop_matrix'] = M.astype(np.float32)
        kp = np.asarray(results['keypoints_2d'], np.float64)
        kp = kp[_target(results)] if kp.ndim == 3 else kp
        results['keypoints_2d_crop'] = apply_affine(M, kp).astype(np.float32)
        if results.get('keypoints_3d') is not None:
            R = crop_rotation_3d(rot)
            kp3 = np.asarray(results['keypoints_3d'], np.float64)
            kp3 = kp3[_target(results)] if kp3.ndim == 3 else kp3
            results['rotation_3d'] = R.astype(np.float32)
            results['keypoints_3d_crop'] = (kp3 @ R.T).astype(np.float32)
        results['input_size'] = (W, H)
        results['img_shape'] = (H, W)
        return results


@TRANSFORMS.register_module()
class ColorJitter(BaseTransform):
    """Random brightness, contrast and saturation, each a factor drawn from
    ``U(1 - a, 1 + a)`` (``a = 0.4``: the "40 % colour jittering" of
    AbsPoseLifter's 2D estimator), applied in a random order."""

    def __init__(self, brightness: float = 0.4, contrast: float = 0.4,
                 saturation: float = 0.4):
        self.amounts = dict(brightness=float(brightness),
                            contrast=float(contrast),
                            saturation=float(saturation))

    def transform(self, results: Dict) -> Dict:
        img = results['img'].astype(np.float32)
        for name in np.random.permutation(list(self.amounts)):
            a = self.amounts[name]
            if a <= 0:
                continue
            f = np.float32(np.random.uniform(1 - a, 1 + a))
            if name == 'brightness':
                img *= f
            elif name == 'contrast':
                img = (img - img.mean()) * f + img.mean()
            else:
                grey = img @ np.array([0.299, 0.587, 0.114], np.float32)
                img = (img - grey[..., None]) * f + grey[..., None]
        results['img'] = np.clip(img, 0, 255).astype(np.uint8)
        return results
