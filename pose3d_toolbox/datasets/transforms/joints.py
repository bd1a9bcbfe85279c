"""Joints a dataset does not have, made from those it has.

HEMlets' skeleton (``'hemlets'``) is Human3.6M's 17 joints plus joint 17,
the shoulder midpoint (``extras['midpoint_joints']`` in
:mod:`pose3d_toolbox.skeletons`); every dataset yields the 17, so the
pipeline appends the rest with :class:`ExtendSkeleton`.
"""
from typing import Dict, Union

import numpy as np
from mmcv.transforms import BaseTransform

from pose3d_toolbox.geometry import apply_affine
from pose3d_toolbox.registry import TRANSFORMS
from pose3d_toolbox.skeletons import Skeleton, get_skeleton
from pose3d_toolbox.utils.camera import camera_to_pixel


def _append(array, values, axis):
    return np.concatenate([np.asarray(array), np.asarray(
        values, np.asarray(array).dtype)], axis=axis)


@TRANSFORMS.register_module()
class ExtendSkeleton(BaseTransform):
    """Append ``skeleton``'s midpoint joints to a sample of its first joints.

    For each ``(joint, (a, b))`` of ``extras['midpoint_joints']`` (joints in
    order, appended at the end):

    - ``keypoints_3d`` ``(S, J, 3)`` and ``keypoints_3d_crop`` ``(J, 3)``:
      the 3D midpoint;
    - ``keypoints_2d`` ``(S, J, 2)`` image pixels: the 3D midpoint projected
      through the sample's ``camera`` (``f``, ``c``, and ``k``/``p`` when
      given, :func:`~pose3d_toolbox.utils.camera.camera_to_pixel`) when it
      has both, so 2D stays the projection of 3D (the midpoint of two
      projections is off it by up to about a pixel for shoulders at
      different depths); else the 2D midpoint (2D-only data);
    - ``keypoints_2d_crop`` ``(J, 2)``: the new 2D point through
      ``crop_matrix`` (the crop midpoint without one);
    - ``visibility`` ``(S, J)`` and ``keypoints_valid`` ``(J,)``: the
      smaller of the two (labelled only when both are).

    The sample's ``skeleton`` becomes ``skeleton``'s name, so later
    transforms (flip) use its joints. Put it first in the pipeline.

    Args:
        skeleton: the extended skeleton (``'hemlets'``); its first joints
            must be the sample's.
    """

    def __init__(self, skeleton: Union[str, Skeleton] = 'hemlets'):
        self.skeleton = get_skeleton(skeleton)
        self.midpoints = tuple(
            (int(j), (int(a), int(b))) for j, (a, b) in
            self.skeleton.extras.get('midpoint_joints', ()))
        if not self.midpoints:
            raise KeyError(f"ExtendSkeleton: skeleton {self.skeleton.name!r}"
                           " has no extras['midpoint_joints']")
        self.num_source = self.skeleton.num_joints - len(self.midpoints)
        if [j for j, _ in self.midpoints] != list(
                range(self.num_source, self.skeleton.num_joints)):
            raise ValueError(f'ExtendSkeleton: the midpoint joints of '
                             f'{self.skeleton.name!r} must be its last ones')

    def _check_source(self, results: Dict) -> None:
        name = results.get('skeleton')
        if name is not None:
            source = get_skeleton(name)
            ok = source.joint_names == self.skeleton.joint_names[
                :self.num_source]
            if not ok:
                raise ValueError(
                    f'ExtendSkeleton: the sample\'s skeleton {source.name!r} '
                    f'is not the first {self.num_source} joints of '
                    f'{self.skeleton.name!r}; map the dataset to them first '
                    "(e.g. target_skeleton='h36m')")
        kp = np.asarray(results['keypoints_2d'])
        if kp.shape[-2] != self.num_source:
            raise ValueError(f'ExtendSkeleton: keypoints_2d has '
                             f'{kp.shape[-2]} joints, expected '
                             f'{self.num_source} (the first joints of '
                             f'{self.skeleton.name!r})')

    def transform(self, results: Dict) -> Dict:
        self._check_source(results)
        pairs = np.array([ab for _, ab in self.midpoints])  # (M, 2)
        kp3d = results.get('keypoints_3d')
        cam = results.get('camera')
        kp2d = np.asarray(results['keypoints_2d'], np.float64)
        new_2d = kp2d[..., pairs, :].mean(-2)
        if kp3d is not None:
            new_3d = np.asarray(kp3d, np.float64)[..., pairs, :].mean(-2)
            results['keypoints_3d'] = _append(kp3d, new_3d, -2)
            if cam is not None and cam.get('f') is not None and \
                    cam.get('c') is not None:
                new_2d = camera_to_pixel(new_3d, cam['f'], cam['c'],
                                         cam.get('k'), cam.get('p'))
        results['keypoints_2d'] = _append(results['keypoints_2d'], new_2d, -2)
        if results.get('keypoints_3d_crop') is not None:
            crop3 = np.asarray(results['keypoints_3d_crop'], np.float64)
            results['keypoints_3d_crop'] = _append(
                results['keypoints_3d_crop'], crop3[pairs].mean(-2), -2)
        if results.get('keypoints_2d_crop') is not None:
            crop = np.asarray(results['keypoints_2d_crop'], np.float64)
            matrix = results.get('crop_matrix')
            t = int(results.get('target_index', 0))
            point = (crop[pairs].mean(-2) if matrix is None else apply_affine(
                matrix, new_2d[t] if new_2d.ndim == 3 else new_2d))
            results['keypoints_2d_crop'] = _append(
                results['keypoints_2d_crop'], point, -2)
        for key in ('visibility', 'keypoints_valid'):
            if results.get(key) is not None:
                arr = np.asarray(results[key])
                results[key] = _append(arr, arr[..., pairs].min(-1), -1)
        results['skeleton'] = self.skeleton.name
        return results
