"""Anatomy-aware 3D human pose estimation in videos (Chen et al., 2021).

Bone directions from ``d`` consecutive frames (:class:`BoneDirectionNet`),
bone lengths from ``l`` frames drawn at random from the whole video
(:class:`BoneLengthNet`), joints from both (:class:`Anatomy3DHead`).
"""
from typing import Dict, Optional

import torch
from mmengine.model import BaseModel

from pose3d_toolbox.codecs.base import LIFTING_TARGET
from pose3d_toolbox.codecs.bone import (AUG_BONE_LENGTHS, AUG_LENGTH_INPUT,
                                        BONE_DIRECTIONS, BONE_LENGTHS,
                                        LENGTH_INPUT, LENGTH_TARGET,
                                        LIFTING_VISIBILITY)
from pose3d_toolbox.registry import MODELS
from ..heads.regression_head import stack_field


@MODELS.register_module()
class Anatomy3D(BaseModel):
    """The anatomy-aware framework.

    Args:
        direction_net: :class:`BoneDirectionNet` config.
        length_net: :class:`BoneLengthNet` config.
        head: :class:`Anatomy3DHead` config.
        length_augmentation: train the bone-length attention on a second
            batch with random bone lengths (the paper's "AUG"); the train
            pipeline must then contain ``RandomBoneLengthAugmentation``.
        data_preprocessor: defaults to ``PoseDataPreprocessor``.

    ``forward(inputs, data_samples, mode)``: ``inputs`` ``(N, d, J, 2)``
    normalised 2D window; the visibility window and the random frames come
    from the data samples (fields of :class:`BoneCodec`). ``'tensor'`` mode
    returns the joints ``(N, J, 3)`` in the codec's target space.
    """

    def __init__(self, direction_net: Dict, length_net: Dict, head: Dict,
                 length_augmentation: bool = True,
                 data_preprocessor: Optional[Dict] = None, init_cfg=None):
        super().__init__(
            data_preprocessor=data_preprocessor or dict(
                type='PoseDataPreprocessor'),
            init_cfg=init_cfg)
        self.direction_net = MODELS.build(direction_net)
        self.length_net = MODELS.build(length_net)
        self.head = MODELS.build(head)
        if length_augmentation and self.length_net.attention is None:
            raise ValueError('Anatomy3D: length_augmentation trains the '
                             'bone-length attention; set '
                             'length_net.bone_attention=True or turn it off')
        self.length_augmentation = length_augmentation

    def _lengths(self, data_samples, like, augmented: bool):
        """Length network on the random frames (and the augmented ones, in
        the same pass so BatchNorm sees one batch)."""
        x = stack_field(data_samples, LENGTH_INPUT, like)
        if not augmented:
            return self.length_net(x), None
        aug = stack_field(data_samples, AUG_LENGTH_INPUT, like)
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

    def forward(self, inputs: torch.Tensor, data_samples=None,
                mode: str = 'tensor'):
        if mode not in ('loss', 'predict', 'tensor'):
            raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', "
                             f'got {mode!r}')
        if data_samples is None:
            raise ValueError('Anatomy3D needs the data samples: they carry '
                             'the random frames of the bone-length network')
        vis = (stack_field(data_samples, LIFTING_VISIBILITY, inputs)
               if self.direction_net.score_fusion else None)
        directions = self.direction_net(inputs, vis)
        augmented = mode == 'loss' and self.length_augmentation
        if augmented and AUG_LENGTH_INPUT not in data_samples[0]:
            raise KeyError('Anatomy3D(length_augmentation=True): the data '
                           f'samples have no {AUG_LENGTH_INPUT!r}; add '
                           'RandomBoneLengthAugmentation to the train '
                           'pipeline and the aug_* keys to PackPoseInputs')
        length_out, aug_out = self._lengths(data_samples, inputs, augmented)
        if mode == 'tensor':
            return self.head(directions[-1], length_out['lengths'])
        if mode == 'predict':
            return self.head.predict(directions, length_out, data_samples)
        targets = {k: stack_field(data_samples, k, inputs) for k in
                   (BONE_DIRECTIONS, BONE_LENGTHS, LENGTH_TARGET,
                    LIFTING_TARGET)}
        aug_lengths = (stack_field(data_samples, AUG_BONE_LENGTHS, inputs)
                       if augmented else None)
        return self.head.loss(directions, length_out, targets, aug_out,
                              aug_lengths)
