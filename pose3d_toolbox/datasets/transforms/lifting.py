"""Augmentations of 2D-3D lifting samples."""
from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform

from pose3d_toolbox.registry import TRANSFORMS
from pose3d_toolbox.skeletons import get_skeleton
from ..error_model import load_error_model, sample_errors


def flip_lifting_sample(results: Dict, flip_indices) -> Dict:
    """Mirror a lifting sample in the camera's image plane, in place.

    The camera-space 3D pose is mirrored about its y-z plane (x -> -x), the
    2D pose about the principal point's vertical line (``u -> 2 c_x - u``),
    and left and right joints swap. For the Human3.6M distortion model the
    mirrored view has tangential coefficient ``p2 -> -p2`` (``p1`` and the
    radial ``k`` are symmetric), so the projection of the mirrored 3D pose
    is exactly the mirrored 2D pose. ``camera['R']``/``['T']`` still
    describe the original view.
    """
    cam = dict(results['camera'])
    cx = float(np.asarray(cam['c']).reshape(2)[0])
    kp2d = np.array(results['keypoints_2d'], copy=True)[..., flip_indices, :]
    kp2d[..., 0] = 2 * cx - kp2d[..., 0]
    results['keypoints_2d'] = kp2d
    if 'keypoints_3d' in results:
        kp3d = np.array(results['keypoints_3d'],
                        copy=True)[..., flip_indices, :]
        kp3d[..., 0] = -kp3d[..., 0]
        results['keypoints_3d'] = kp3d
    if results.get('visibility') is not None:
        results['visibility'] = np.asarray(
            results['visibility'])[..., flip_indices]
    if cam.get('p') is not None:
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
        skeleton: skeleton name, for the left/right joint swap.
    """

    def __init__(self, prob: float = 0.5, skeleton: str = 'h36m'):
        self.prob = prob
        self.flip_indices = get_skeleton(skeleton).flip_indices

    def transform(self, results: Dict) -> Dict:
        if np.random.rand() < self.prob:
            results = flip_lifting_sample(results, self.flip_indices)
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
