"""Anatomy-aware 3D human pose estimation in videos (Chen et al., 2021).

Bone directions from ``d`` consecutive frames (:class:`BoneDirectionNet`),
bone lengths from ``l`` frames drawn at random from the whole video
(:class:`BoneLengthNet`), joints from both (:class:`Anatomy3DHead`).
"""
from typing import Dict, List, Optional, Union

import torch

from pose3d_toolbox.codecs.base import LIFTING_TARGET
from pose3d_toolbox.codecs.bone import (AUG_BONE_LENGTHS, AUG_LENGTH_INPUT,
                                        AUG_LENGTH_TARGET,
                                        BONE_DIRECTIONS, BONE_LENGTHS,
                                        LENGTH_INPUT, LENGTH_TARGET,
                                        LIFTING_VISIBILITY)
from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import Skeleton
from ..heads.base_head import stack_field
from .base import BasePoseEstimator


@MODELS.register_module()
class Anatomy3D(BasePoseEstimator):
    """The anatomy-aware framework.

    Args:
        direction_net: :class:`BoneDirectionNet` config.
        length_net: :class:`BoneLengthNet` config.
        head: :class:`Anatomy3DHead` config.
        length_augmentation: train the bone-length attention on a second
            batch with random bone lengths (the paper's "AUG"); the train
            pipeline must then contain ``RandomBoneLengthAugmentation``.
        skeleton: skeleton name or object, given to both networks.
        data_preprocessor: defaults to ``PoseDataPreprocessor``.

    ``inputs`` ``(N, d, J, 2)``: the normalised 2D window; the visibility
    window and the random frames come from the data samples (fields of
    :class:`BoneCodec`), which every mode therefore needs. ``'tensor'``
    mode returns the joints ``(N, J, 3)`` in the codec's target space.
    """

    def __init__(self, direction_net: Dict, length_net: Dict, head: Dict,
                 length_augmentation: bool = True,
                 skeleton: Union[str, Skeleton] = 'h36m',
                 data_preprocessor: Optional[Dict] = None, init_cfg=None):
        super().__init__(skeleton, data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        direction_net = dict(direction_net, skeleton=self.skeleton)
        length_net = dict(length_net, skeleton=self.skeleton)
        self.direction_net = MODELS.build(direction_net)
        self.length_net = MODELS.build(length_net)
        head = dict(head)
        head.setdefault('num_stages', self.direction_net.num_stages)
        head.setdefault('channels', self.direction_net.channels)
        self.head = MODELS.build(head)
        if length_augmentation and self.length_net.attention is None:
            raise ValueError('Anatomy3D: length_augmentation trains the '
                             'bone-length attention; set '
                             'length_net.bone_attention=True or turn it off')
        self.length_augmentation = length_augmentation

    def _lengths(self, x: torch.Tensor, aug: Optional[torch.Tensor]):
        """Length network on the random frames (and the augmented ones, in
        the same pass so BatchNorm sees one batch)."""
        if aug is None:
            return self.length_net(x), None
        if aug.shape != x.shape:
            raise ValueError(f'Anatomy3D: augmented random frames '
                             f'{tuple(aug.shape)} differ from the original '
                             f'ones {tuple(x.shape)}')
        out = self.length_net(torch.cat([x, aug]))
        n = len(x)
        split = [{k: (v[:n] if v is not None else None) for k, v in
                  out.items()},
                 {k: (v[n:] if v is not None else None) for k, v in
                  out.items()}]
        return split[0], split[1]

    def fields(self, data_samples, like: torch.Tensor, mode: str
               ) -> Dict[str, torch.Tensor]:
        """The per-sample fields ``mode`` needs, stacked into tensors."""
        if data_samples is None:
            raise ValueError('Anatomy3D needs the data samples: they carry '
                             'the random frames of the bone-length network')
        keys = [LENGTH_INPUT]
        if self.direction_net.score_fusion:
            keys.append(LIFTING_VISIBILITY)
        if mode == 'loss':
            keys += [BONE_DIRECTIONS, BONE_LENGTHS, LENGTH_TARGET,
                     LIFTING_TARGET]
            if self.length_augmentation:
                if AUG_LENGTH_INPUT not in data_samples[0]:
                    raise KeyError(
                        'Anatomy3D(length_augmentation=True): the data '
                        f'samples have no {AUG_LENGTH_INPUT!r}; add '
                        'RandomBoneLengthAugmentation to the train '
                        'pipeline and the aug_* keys to PackPoseInputs')
                keys += [AUG_LENGTH_INPUT, AUG_BONE_LENGTHS]
                if self.head.augmented_joints_loss:
                    keys.append(AUG_LENGTH_TARGET)
        return {k: stack_field(data_samples, k, like) for k in keys}

    def run(self, inputs: torch.Tensor, fields: Dict[str, torch.Tensor],
            mode: str = 'tensor'):
        """The model on stacked tensors (what :meth:`forward` calls after
        :meth:`fields`; fast paths such as the benchmark call it directly).

        Args:
            inputs: ``(N, d, J, 2)`` normalised 2D window.
            fields: ``length_input`` ``(N, l, J, 2)``; with score fusion
                ``lifting_visibility`` ``(N, d, J)``; for ``'loss'`` also
                ``bone_directions``, ``bone_lengths``, ``length_target``,
                ``lifting_target`` and, with augmentation,
                ``aug_length_input``, ``aug_bone_lengths`` (and
                ``aug_length_target`` with the head's
                ``augmented_joints_loss``).
            mode: ``'loss'`` (dict of losses), ``'tensor'`` (joints ``(N, J,
                3)`` in the codec's target space) or ``'outputs'`` (the
                head's ``feats``: the directions list and the length
                network's output dicts).
        """
        vis = (fields[LIFTING_VISIBILITY] if self.direction_net.score_fusion
               else None)
        directions = self.direction_net(inputs, vis)
        augmented = mode == 'loss' and self.length_augmentation
        length_out, aug_out = self._lengths(
            fields[LENGTH_INPUT],
            fields[AUG_LENGTH_INPUT] if augmented else None)
        feats = dict(directions=directions, length_out=length_out)
        if aug_out is not None:
            feats['aug_length_out'] = aug_out
        if mode == 'tensor':
            return self.head(feats)
        if mode == 'outputs':
            return feats
        if mode != 'loss':
            raise ValueError(f"Anatomy3D.run: mode must be 'loss', "
                             f"'outputs' or 'tensor', got {mode!r}")
        return self.head.loss(feats, fields)

    def loss(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        return self.run(inputs, self.fields(data_samples, inputs, 'loss'),
                        'loss')

    def predict(self, inputs, data_samples) -> List:
        feats = self.run(inputs, self.fields(data_samples, inputs,
                                             'predict'), 'outputs')
        return self.head.predict(feats, data_samples)

    def _forward(self, inputs, data_samples=None) -> torch.Tensor:
        return self.run(inputs, self.fields(data_samples, inputs, 'tensor'),
                        'tensor')
