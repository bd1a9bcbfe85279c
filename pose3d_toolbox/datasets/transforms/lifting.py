"""Augmentations of 2D-3D lifting samples."""
from typing import Dict, Optional, Union

import numpy as np
from mmcv.transforms import BaseTransform

from pose3d_toolbox.registry import TRANSFORMS
from pose3d_toolbox.skeletons import Skeleton, get_skeleton
from ..error_model import load_error_model, sample_errors

#: per-joint arrays a flip mirrors (2D/3D) and swaps (all).
PER_JOINT_KEYS = ('keypoints_2d', 'keypoints_3d', 'visibility',
                  'keypoints_valid')


def sample_skeleton(results: Dict,
                    skeleton: Union[None, str, Skeleton] = None) -> Skeleton:
    """``skeleton`` if given, else the sample's own (its ``skeleton`` name,
    which every dataset sets)."""
    if skeleton is None:
        if results.get('skeleton') is None:
            raise KeyError('the sample names no skeleton; give the '
                           "transform's skeleton (e.g. skeleton='h36m')")
        skeleton = results['skeleton']
    return get_skeleton(skeleton)


def flip_lifting_sample(results: Dict, flip_indices,
                        axis: Optional[float] = None) -> Dict:
    """Mirror a sample's keypoints in the camera's image plane, in place.

    The camera-space 3D pose is mirrored about its y-z plane (x -> -x), the
    2D pose about the vertical line ``u = axis`` (``u -> 2 axis - u``; by
    default the principal point's ``c_x``), and left and right joints swap
    in every per-joint array. For the Human3.6M distortion model the
    mirrored view has tangential coefficient ``p2 -> -p2`` (``p1`` and the
    radial ``k`` are symmetric), so the projection of the mirrored 3D pose
    is exactly the mirrored 2D pose. ``camera['R']``/``['T']`` still
    describe the original view.
    """
    cam = results.get('camera')
    if axis is None:
        axis = float(np.asarray(cam['c']).reshape(2)[0])
    for key in PER_JOINT_KEYS:
        if results.get(key) is None:
            continue
        arr = np.array(results[key], copy=True)
        if key.startswith('keypoints_') and key != 'keypoints_valid':
            arr = arr[..., flip_indices, :]
            arr[..., 0] = (2 * axis - arr[..., 0] if key == 'keypoints_2d'
                           else -arr[..., 0])
        else:
            arr = arr[..., flip_indices]
        results[key] = arr
    if cam is not None and cam.get('p') is not None:
        cam = dict(cam)
        p = np.array(cam['p'], np.float64, copy=True)
        p.reshape(-1)[1] *= -1
        cam['p'] = p
        results['camera'] = cam
    return results


def flip_lifting_batch(batch: Dict, flip, flip_indices) -> Dict:
    """:func:`flip_lifting_sample` on the samples ``flip`` (``(N,)`` bool)
    of a lifting batch (leading ``N`` axis, ``camera`` a list of ``N``
    dicts), in place: each flipped sample about its own camera's ``c_x``,
    with the same float32 arithmetic, so the values equal flipping the
    samples one by one. Unflipped samples keep their arrays and cameras.
    """
    flip = np.asarray(flip, bool)
    if not flip.any():
        return batch
    cams = batch['camera']
    rows = np.flatnonzero(flip)
    for key in PER_JOINT_KEYS:
        if batch.get(key) is None:
            continue
        arr = np.array(batch[key], copy=True)
        sub = arr[rows]
        if key.startswith('keypoints_') and key != 'keypoints_valid':
            sub = sub[..., flip_indices, :]
            if key == 'keypoints_2d':
                axis = np.array([2 * float(np.asarray(cams[i]['c']).reshape(
                    2)[0]) for i in rows], sub.dtype)
                sub[..., 0] = axis.reshape((-1, ) + (1, ) * (
                    sub.ndim - 2)) - sub[..., 0]
            else:
                sub[..., 0] = -sub[..., 0]
        else:
            sub = sub[..., flip_indices]
        arr[rows] = sub
        batch[key] = arr
    cams = list(cams)
    for i in rows:
        if cams[i].get('p') is not None:
            cam = dict(cams[i])
            p = np.array(cam['p'], np.float64, copy=True)
            p.reshape(-1)[1] *= -1
            cam['p'] = p
            cams[i] = cam
    batch['camera'] = cams
    return batch


@TRANSFORMS.register_module()
class RandomFlipLifting(BaseTransform):
    """Horizontal flip of a lifting sample with probability ``prob``
    (see :func:`flip_lifting_sample`). Put it before ``GenerateTarget``.

    Args:
        prob: flip probability.
        skeleton: the skeleton (a name or a ``Skeleton``) whose left and
            right joints swap; defaults to the sample's ``skeleton``.
    """

    def __init__(self, prob: float = 0.5,
                 skeleton: Union[None, str, Skeleton] = None):
        self.prob, self.skeleton = float(prob), skeleton

    def flip(self, results: Dict) -> Dict:
        """Apply the flip unconditionally."""
        return flip_lifting_sample(
            results, sample_skeleton(results, self.skeleton).flip_indices)

    def transform(self, results: Dict) -> Dict:
        if np.random.rand() < self.prob:
            results = self.flip(results)
        return results

    def draw(self, batch: Dict, i: int) -> bool:
        """Sample ``i``'s coin, drawn as :meth:`transform` draws it."""
        return np.random.rand() < self.prob

    def transform_batch(self, batch: Dict, draws) -> Dict:
        """Flip the samples whose coin came up (:func:`flip_lifting_batch`).
        """
        return flip_lifting_batch(
            batch, draws, sample_skeleton(batch, self.skeleton).flip_indices)


@TRANSFORMS.register_module()
class SynthesizeKeypoints2D(BaseTransform):
    """Replace the input 2D pose by ground truth plus errors drawn from a
    fitted 2D error model (AbsPoseLifter Sec. 4.2), a fresh draw per sample
    and frame. Put it before ``GenerateTarget``; ``keypoints_3d`` is kept.

    Args:
        model_file: ``.npz`` written by ``tools/analysis/fit_error_model.py``
            (a Gaussian-uniform mixture or a single Gaussian per joint).
    """

    def __init__(self, model_file: str):
        self.model_file = model_file
        self.model = load_error_model(model_file)

    def _check(self, kp2d: np.ndarray) -> None:
        if kp2d.shape[-2] != self.model['mu'].shape[0]:
            raise ValueError(
                f'SynthesizeKeypoints2D: {self.model_file} models '
                f'{self.model["mu"].shape[0]} joints but the sample has '
                f'{kp2d.shape[-2]}')

    def transform(self, results: Dict) -> Dict:
        kp2d = np.asarray(results['keypoints_2d'])
        self._check(kp2d)
        noise = sample_errors(self.model, kp2d.shape[:-2],
                              np.random.default_rng(np.random.randint(2**31)))
        results['keypoints_2d'] = (kp2d + noise).astype(kp2d.dtype)
        return results

    def draw(self, batch: Dict, i: int) -> np.ndarray:
        """Sample ``i``'s errors ``(S, J, 2)``, drawn as :meth:`transform`
        draws them."""
        kp2d = batch['keypoints_2d']
        self._check(kp2d)
        return sample_errors(self.model, kp2d.shape[1:-2],
                             np.random.default_rng(np.random.randint(2**31)))

    def transform_batch(self, batch: Dict, draws) -> Dict:
        """Add each sample's errors to its 2D pose."""
        kp2d = np.asarray(batch['keypoints_2d'])
        batch['keypoints_2d'] = (kp2d + np.stack(draws)).astype(kp2d.dtype)
        return batch
