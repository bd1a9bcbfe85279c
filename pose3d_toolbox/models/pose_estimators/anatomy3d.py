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
        if self.head.skeleton.name != self.skeleton.name:
            raise ValueError(f'Anatomy3D: the head\'s codec uses skeleton '
                             f'{self.head.skeleton.name!r}, the model '
                             f'{self.skeleton.name!r}; set the same name in '
                             'model.skeleton and model.head.codec.skeleton')
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

    def fields(self, data_samples, like: torch.Tensor, targets: bool = False
               ) -> Dict[str, torch.Tensor]:
        """The per-sample inputs of :meth:`features` (and, with ``targets``,
        the training targets and augmented frames), stacked into tensors
        with ``like``'s dtype and device."""
        if data_samples is None:
            raise ValueError('Anatomy3D needs the data samples: they carry '
                             'the random frames of the bone-length network')
        keys = [LENGTH_INPUT]
        if self.direction_net.score_fusion:
            keys.append(LIFTING_VISIBILITY)
        if targets:
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

    def features(self, inputs: torch.Tensor, fields: Dict[str, torch.Tensor],
                 augmented: bool = False) -> Dict:
        """The head's ``feats`` from stacked tensors (what every mode calls
        after :meth:`fields`; fast paths such as the benchmark call it, and
        the head, directly).

        Args:
            inputs: ``(N, d, J, 2)`` normalised 2D window.
            fields: ``length_input`` ``(N, l, J, 2)``; with score fusion
                ``lifting_visibility`` ``(N, d, J)``; ``augmented`` needs
                ``aug_length_input``.
            augmented: also run the length network on the augmented random
                frames (training with ``length_augmentation``).

        Returns:
            ``directions`` (every sub-network's ``(N, B, 3)``), ``length_out``
            (the length network's output dict) and, when ``augmented``,
            ``aug_length_out``.
        """
        vis = (fields[LIFTING_VISIBILITY] if self.direction_net.score_fusion
               else None)
        feats = dict(directions=self.direction_net(inputs, vis))
        feats['length_out'], aug_out = self._lengths(
            fields[LENGTH_INPUT],
            fields[AUG_LENGTH_INPUT] if augmented else None)
        if aug_out is not None:
            feats['aug_length_out'] = aug_out
        return feats

    def loss(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        """Eq. 7 (:meth:`Anatomy3DHead.loss`); the stacked fields carry the
        targets."""
        fields = self.fields(data_samples, inputs, targets=True)
        return self.head.loss(
            self.features(inputs, fields, self.length_augmentation), fields)

    def predict(self, inputs, data_samples) -> List:
        fields = self.fields(data_samples, inputs)
        return self.head.predict(self.features(inputs, fields), data_samples)

    def _forward(self, inputs, data_samples=None) -> torch.Tensor:
        fields = self.fields(data_samples, inputs)
        return self.head(self.features(inputs, fields))
