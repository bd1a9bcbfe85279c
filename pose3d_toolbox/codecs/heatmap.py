"""Gaussian heatmaps of 2D keypoints in a top-down crop, and their decoding.

Coordinate conventions (pixel centres at integers, as everywhere in the
toolbox):

- *image* pixels: the full image the dataset's ``keypoints_2d`` live in;
- *input* pixels: the network input crop, ``crop_matrix`` (``(2, 3)``,
  written by :class:`~pose3d_toolbox.datasets.transforms.TopdownAffine`)
  maps image to input pixels;
- *heatmap* pixels: ``h = (x + 0.5) * w / W - 0.5`` for an input of width
  ``W`` and heatmaps of width ``w`` (the centres of both grids' edge pixels
  are half a pixel in from the same edge), so mirroring the input mirrors
  the heatmaps exactly (flip test needs no shift).
"""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from pose3d_toolbox.geometry import apply_affine, invert_affine
from pose3d_toolbox.registry import KEYPOINT_CODECS
from pose3d_toolbox.skeletons import Skeleton
from .base import TARGET_WEIGHT, BaseKeypointCodec

HEATMAPS = 'heatmaps'
KEYPOINTS_2D_TARGET = 'keypoints_2d_target'


def input_to_heatmap(points, input_size, heatmap_size) -> np.ndarray:
    """``(..., 2)`` input pixels -> heatmap pixels (sizes are ``(W, H)``)."""
    ratio = np.asarray(heatmap_size, np.float64) / np.asarray(input_size)
    return (np.asarray(points, np.float64) + 0.5) * ratio - 0.5


def heatmap_to_input(points, input_size, heatmap_size) -> np.ndarray:
    """Inverse of :func:`input_to_heatmap`."""
    ratio = np.asarray(input_size, np.float64) / np.asarray(heatmap_size)
    return (np.asarray(points, np.float64) + 0.5) * ratio - 0.5


def heatmap_to_image(coords, metas: List[Dict], input_size,
                     heatmap_size) -> tuple:
    """``(N, J, 2)`` heatmap pixels -> ``(image, input)`` pixels (float64):
    :func:`heatmap_to_input`, then the inverse of each meta's
    ``crop_matrix`` (rotation included; input pixels for metas without
    one)."""
    inp = heatmap_to_input(coords, input_size, heatmap_size)
    image = np.empty_like(inp)
    for i, meta in enumerate(metas):
        matrix = meta.get('crop_matrix') if meta else None
        image[i] = inp[i] if matrix is None else apply_affine(
            invert_affine(matrix), inp[i])
    return image, inp


def gaussian_heatmaps(points, heatmap_size, sigma) -> np.ndarray:
    """``(J, 2)`` heatmap-pixel points -> ``(J, h, w)`` float32 Gaussians
    ``exp(-d^2 / (2 sigma^2))`` of peak 1 at each (sub-pixel) point."""
    w, h = heatmap_size
    pts = np.asarray(points, np.float32)
    xs = np.arange(w, dtype=np.float32)[None, None, :] - pts[:, None, 0:1]
    ys = np.arange(h, dtype=np.float32)[None, :, None] - pts[:, None, 1:2]
    return np.exp(-(xs * xs + ys * ys) / np.float32(2 * sigma**2))


def refine_argmax(heatmaps: np.ndarray) -> tuple:
    """Sub-pixel maxima of ``(N, J, h, w)`` heatmaps.

    The integer argmax is refined per axis by one Newton step on the log
    heatmap (``x - L'(x) / L''(x)``, central differences), which is exact
    for a sampled Gaussian away from the border; maxima on the border, or
    with a non-concave neighbourhood, stay at the integer position.

    Returns:
        ``coords`` ``(N, J, 2)`` (x, y) heatmap pixels and ``scores``
        ``(N, J)`` (the maximum values).
    """
    hm = np.asarray(heatmaps, np.float64)
    N, J, h, w = hm.shape
    flat = hm.reshape(N, J, -1)
    idx = flat.argmax(-1)
    scores = np.take_along_axis(flat, idx[..., None], -1)[..., 0]
    y, x = np.divmod(idx, w)
    coords = np.stack([x, y], -1).astype(np.float64)
    log = np.log(np.maximum(hm, 1e-10))
    n, j = np.meshgrid(np.arange(N), np.arange(J), indexing='ij')
    for axis, (pos, size) in enumerate(((x, w), (y, h))):
        inner = (pos > 0) & (pos < size - 1)
        lo, hi = np.clip(pos - 1, 0, size - 1), np.clip(pos + 1, 0, size - 1)
        if axis == 0:
            a, b, c = log[n, j, y, lo], log[n, j, y, x], log[n, j, y, hi]
        else:
            a, b, c = log[n, j, lo, x], log[n, j, y, x], log[n, j, hi, x]
        d1, d2 = (c - a) / 2, c - 2 * b + a
        ok = inner & (d2 < -1e-12)
        step = np.where(ok, -d1 / np.where(ok, d2, -1.0), 0.0)
        coords[..., axis] += np.clip(step, -0.5, 0.5)
    return coords, scores


@KEYPOINT_CODECS.register_module()
class GaussianHeatmapCodec(BaseKeypointCodec):
    """Gaussian heatmaps (SimpleBaseline, Xiao et al. 2018) for top-down 2D.

    Encode (reads ``keypoints_2d_crop`` ``(J, 2)`` input pixels and, if
    present, ``keypoints_valid`` ``(J,)``):

    - ``heatmaps``: ``(J, h, w)`` float32, a Gaussian of peak 1 and
      standard deviation ``sigma`` heatmap pixels at each keypoint;
    - ``keypoints_2d_target``: ``(J, 2)`` keypoints in heatmap pixels (the
      target of integral read-outs);
    - ``target_weight``: ``(J,)`` 1 for labelled keypoints inside the
      heatmap, else 0.

    Decode: ``(N, J, h, w)`` heatmaps -> sub-pixel maxima
    (:func:`refine_argmax`) -> :meth:`decode_coords`.

    Args:
        input_size: ``(W, H)`` of the network input.
        heatmap_size: ``(w, h)`` of the heatmaps.
        sigma: Gaussian standard deviation in heatmap pixels.
        skeleton: the joints (a name or a ``Skeleton``): ``J`` heatmaps.
    """

    #: what ``tests/test_codecs/test_roundtrip.py`` feeds this codec: a
    #: top-down sample with ``keypoints_2d``, ``crop_matrix`` and
    #: ``keypoints_2d_crop``; decode returns image-pixel ``keypoints_2d``.
    sample_kind = 'topdown_2d'
    target_key = HEATMAPS

    def __init__(self, input_size: Sequence[int] = (256, 256),
                 heatmap_size: Sequence[int] = (64, 64), sigma: float = 2.0,
                 skeleton: Union[str, Skeleton] = 'h36m'):
        super().__init__(skeleton)
        self.input_size = tuple(int(s) for s in input_size)
        self.heatmap_size = tuple(int(s) for s in heatmap_size)
        if len(self.input_size) != 2 or len(self.heatmap_size) != 2:
            raise ValueError(f'{type(self).__name__}: input_size and '
                             'heatmap_size must be (W, H) pairs, got '
                             f'{input_size!r}, {heatmap_size!r}')
        self.sigma = float(sigma)

    def encode(self, sample: Dict) -> Dict[str, np.ndarray]:
        if 'keypoints_2d_crop' not in sample:
            raise KeyError(f'{type(self).__name__}: the sample has no '
                           "'keypoints_2d_crop'; put TopdownAffine before "
                           'GenerateTarget in the pipeline')
        kp = np.asarray(sample['keypoints_2d_crop'], np.float64)
        self._check(kp, 'keypoints_2d_crop')
        target = input_to_heatmap(kp, self.input_size, self.heatmap_size)
        w, h = self.heatmap_size
        inside = ((target[:, 0] >= -0.5) & (target[:, 0] < w - 0.5)
                  & (target[:, 1] >= -0.5) & (target[:, 1] < h - 0.5))
        weight = inside.astype(np.float32)
        if sample.get('keypoints_valid') is not None:
            weight *= np.asarray(sample['keypoints_valid'],
                                 np.float32).reshape(-1) > 0
        return {HEATMAPS: gaussian_heatmaps(target, self.heatmap_size,
                                            self.sigma),
                KEYPOINTS_2D_TARGET: target.astype(np.float32),
                TARGET_WEIGHT: weight}

    def decode_coords(self, coords: np.ndarray, metas: List[Dict],
                      scores: Optional[np.ndarray] = None) -> Dict:
        """``(N, J, 2)`` heatmap pixels -> image pixels.

        Returns ``keypoints_2d_input`` (input pixels) and ``keypoints_2d``
        (image pixels through the inverse of each meta's ``crop_matrix``;
        input pixels for metas without one), and ``keypoint_scores``
        (float32) when ``scores`` ``(N, J)`` are given.
        """
        image, inp = heatmap_to_image(coords, metas, self.input_size,
                                      self.heatmap_size)
        out = dict(keypoints_2d=image.astype(np.float32),
                   keypoints_2d_input=inp.astype(np.float32))
        if scores is not None:
            out['keypoint_scores'] = np.asarray(scores, np.float32)
        return out

    def decode(self, outputs: np.ndarray, metas: List[Dict]) -> Dict:
        """``(N, J, h, w)`` heatmaps -> ``keypoints_2d`` ``(N, J, 2)`` image
        pixels, ``keypoints_2d_input`` and ``keypoint_scores`` ``(N, J)``."""
        coords, scores = refine_argmax(outputs)
        return self.decode_coords(coords, metas, scores)
