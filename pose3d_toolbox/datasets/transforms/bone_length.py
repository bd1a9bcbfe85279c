"""Bone-length augmentation of Anatomy3D (Sec. 3.3)."""
from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform

from pose3d_toolbox.codecs.bone import (AUG_BONE_LENGTHS, AUG_LENGTH_INPUT,
                                        AUG_LENGTH_TARGET, bones_to_joints,
                                        joints_to_bones)
from pose3d_toolbox.registry import KEYPOINT_CODECS, TRANSFORMS
from pose3d_toolbox.utils.camera import camera_to_pixel, stack_cameras


@TRANSFORMS.register_module()
class RandomBoneLengthAugmentation(BaseTransform):
    """Give the sample's random frames a new skeleton and re-project them.

    The ``l`` random frames of a sample (one video, so one person) get one
    new group of ``B`` bone lengths: each bone's length, averaged over the
    frames, times a factor drawn uniformly from ``[1 - scale, 1 + scale]``
    (the authors' code draws +-30 %). Each frame's 3D pose is rebuilt down
    the kinematic tree with its own bone directions, its root kept in place,
    and projected with the sample's camera (with its distortion, if any).

    Adds (the sample's own targets are left untouched):

    - ``aug_length_input``: ``(l, J, 2)`` the re-projected 2D, normalised by
      the codec as its ``length_input``;
    - ``aug_bone_lengths``: ``(B,)`` the new lengths, in the codec's units;
    - ``aug_length_target``: ``(l, J, 3)`` the rebuilt root-relative 3D, in
      the codec's units (as its ``length_target``).

    Needs a dataset with ``num_random_frames > 0``.

    Args:
        codec: the model's :class:`BoneCodec` config.
        scale: half-width of the relative range of the new lengths.
    """

    def __init__(self, codec: Dict, scale: float = 0.3):
        if not 0 <= scale < 1:
            raise ValueError(f'RandomBoneLengthAugmentation: scale must be in '
                             f'[0, 1), got {scale!r}')
        self.codec = KEYPOINT_CODECS.build(codec)
        self.scale = float(scale)

    def transform(self, results: Dict) -> Dict:
        """One sample: :meth:`transform_batch` on a batch of one."""
        if 'random_keypoints_3d' not in results:
            raise KeyError('RandomBoneLengthAugmentation needs the random '
                           'frames of the sample: set num_random_frames > 0 '
                           'in the dataset config')
        one = self.transform_batch(
            {'random_keypoints_3d': np.asarray(
                results['random_keypoints_3d'])[None],
             'camera': [results['camera']]}, [self.draw(results, 0)])
        for key in (AUG_LENGTH_INPUT, AUG_BONE_LENGTHS, AUG_LENGTH_TARGET):
            results[key] = one[key][0]
        return results

    def draw(self, batch: Dict, i: int) -> np.ndarray:
        """Sample ``i``'s ``B`` length factors, drawn as :meth:`transform`
        draws them."""
        return np.random.uniform(1 - self.scale, 1 + self.scale,
                                 len(self.codec.skeleton.bones))

    def transform_batch(self, batch: Dict, draws) -> Dict:
        """The batch form: every sample's random frames re-built with its
        own factors and projected with its own camera, in one pass."""
        if 'random_keypoints_3d' not in batch:
            raise KeyError('RandomBoneLengthAugmentation needs the random '
                           'frames of the sample: set num_random_frames > 0 '
                           'in the dataset config')
        kp3d = np.asarray(batch['random_keypoints_3d'], dtype=np.float64)
        skeleton = self.codec.skeleton
        root = self.codec.root_index
        directions, lengths = joints_to_bones(kp3d, skeleton)
        new = lengths.mean(1) * np.stack(draws)
        joints = bones_to_joints(directions, new[:, None], skeleton) + \
            kp3d[:, :, root:root + 1]
        cams = stack_cameras(batch['camera'], ('f', 'c', 'k', 'p'))
        kp2d = camera_to_pixel(joints, cams['f'], cams['c'], cams['k'],
                               cams['p'])
        batch[AUG_LENGTH_INPUT] = self.codec.normalize_input_batch(
            kp2d.astype(np.float32), batch['camera'])
        batch[AUG_BONE_LENGTHS] = (new / self.codec.target_scale).astype(
            np.float32)
        batch[AUG_LENGTH_TARGET] = (
            (joints - joints[:, :, root:root + 1]) /
            self.codec.target_scale).astype(np.float32)
        return batch

    def __repr__(self) -> str:
        return f'{type(self).__name__}(scale={self.scale})'
