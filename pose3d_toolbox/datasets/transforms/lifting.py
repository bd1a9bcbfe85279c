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

    def transform(self, results: Dict) -> Dict:
        kp2d = np.asarray(results['keypoints_2d'])
        if kp2d.shape[-2] != self.model['mu'].shape[0]:
            raise ValueError(
                f'SynthesizeKeypoints2D: {self.model_file} models '
                f'{self.model["mu"].shape[0]} joints but the sample has '
                f'{kp2d.shape[-2]}')
        noise = sample_errors(self.model, kp2d.shape[:-2],
                              np.random.default_rng(np.random.randint(2**31)))
        results['keypoints_2d'] = (kp2d + noise).astype(kp2d.dtype)
        return results
