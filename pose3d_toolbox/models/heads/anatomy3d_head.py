"""Anatomy3D's head: joints from bone lengths and directions, and Eq. 7.

The predicted directions are normalised to unit vectors first (as in the
authors' code). The final joints come from the directions and lengths
either through fully connected layers (``final='fc'``, the authors'
implementation, Sec. 4.2, "slightly better") or exactly by forward
kinematics (``'fk'``, Eq. 1, no parameters). The FC form is the authors':
one linear layer maps the directions and another the lengths to a hidden
width, their element-wise product goes through a third linear layer
(:class:`BoneFusion`). The product matters: joints are sums of direction
times length (Eq. 1), which one linear layer on the concatenated vectors
cannot represent. The joint shifts of the joint shift loss come from one
such fusion per direction sub-network (``'fc'``) or from the FK joints.

Training (Eq. 7): ``lambda_D L_D`` per direction sub-network, ``lambda_L
L_L`` (on the original batch and, with augmentation, on the augmented
batch), ``lambda_J L_J`` (one random frame of the length network) and
``lambda_JS L_JS`` per direction sub-network. The joint shift loss sees the
bone lengths detached, so it only updates the direction network (and its
own fusion layers). With ``final='fc'`` the joints layers are trained by an
MPJPE on the target frame (``pose_loss_weight``), a term the paper's Eq. 7
leaves implicit; as in the authors' code their inputs are detached, so the
direction network is trained by L_D and L_JS only and the length branch by
L_J and L_L only.
"""
from typing import Dict, List

import torch
import torch.nn.functional as F
from torch import nn

from pose3d_toolbox.codecs.base import LIFTING_TARGET
from pose3d_toolbox.codecs.bone import (AUG_BONE_LENGTHS, AUG_LENGTH_TARGET,
                                        BONE_DIRECTIONS, BONE_LENGTHS,
                                        LENGTH_TARGET, bones_to_joints,
                                        joint_shift_pairs, joint_shifts)
from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.structures import write_predictions
from ..losses.bone import (bone_direction_loss, bone_length_loss,
                           joint_shift_loss, mpjpe_loss, one_frame_mpjpe_loss)
from .base_head import BaseHead, stack_field

#: Published weights of Eq. 7 (Sec. 4.2).
PAPER_LOSS_WEIGHTS = dict(direction=0.015, length=0.05, joints=1.0,
                          joint_shift=0.1)
FINAL_MODES = ('fc', 'fk')


class BoneFusion(nn.Module):
    """``out(W_D d * W_L l)``: ``(N, B, 3)`` directions and ``(N, B)``
    lengths -> ``(N, out_channels)`` (the authors' FC layers)."""

    def __init__(self, num_bones: int, channels: int, out_channels: int):
        super().__init__()
        self.directions = nn.Linear(3 * num_bones, channels)
        self.lengths = nn.Linear(num_bones, channels)
        self.out = nn.Linear(channels, out_channels)

    def forward(self, directions: torch.Tensor, lengths: torch.Tensor
                ) -> torch.Tensor:
        return self.out(self.directions(directions.flatten(1)) *
                        self.lengths(lengths))


@MODELS.register_module()
class Anatomy3DHead(BaseHead):
    """Final joints, joint shifts, losses and decoding of Anatomy3D.

    ``feats`` (what :class:`~pose3d_toolbox.models.Anatomy3D` passes): a
    dict with ``directions``, every direction sub-network's ``(N, B, 3)``
    output, bottom first; ``length_out``, the :class:`BoneLengthNet` output
    dict of the batch; with bone-length augmentation also
    ``aug_length_out``, that of the augmented batch.

    Args:
        codec: a :class:`BoneCodec` config (skeleton, scale, decoding); the
            head's skeleton is the codec's.
        final: ``'fc'`` or ``'fk'`` (see the module docstring).
        joint_shift_loss: use L_JS (the paper's "JSL").
        num_stages: direction sub-networks (one joint shift loss each).
        channels: hidden width of the FC layers. :class:`Anatomy3D` sets
            both to its direction network's unless the config gives them.
        loss_weights: ``direction``, ``length``, ``joints``, ``joint_shift``
            (lambda_D, lambda_L, lambda_J, lambda_JS).
        pose_loss_weight: weight of the FC joints layers' MPJPE.
        pose_loss_trains_directions: let that MPJPE reach the direction
            network too (end to end); the authors' code detaches it.
        augmented_joints_loss: with bone-length augmentation, also apply
            L_J to one random frame of the augmented batch (its rebuilt 3D),
            so the length network itself sees the new skeletons, as the
            authors' code does (the paper's text trains only the attention
            on that batch).
    """

    def __init__(self, codec: Dict, final: str = 'fc',
                 joint_shift_loss: bool = True, num_stages: int = 1,
                 channels: int = 1024,
                 loss_weights: Dict = PAPER_LOSS_WEIGHTS,
                 pose_loss_weight: float = 1.0,
                 pose_loss_trains_directions: bool = False,
                 augmented_joints_loss: bool = False, init_cfg=None):
        super().__init__(codec, skeleton=None, init_cfg=init_cfg)
        if final not in FINAL_MODES:
            raise ValueError(f'Anatomy3DHead: final must be one of '
                             f'{FINAL_MODES}, got {final!r}')
        unknown = set(loss_weights) - set(PAPER_LOSS_WEIGHTS)
        if unknown:
            raise ValueError(f'Anatomy3DHead: unknown loss_weights '
                             f'{sorted(unknown)}; use '
                             f'{sorted(PAPER_LOSS_WEIGHTS)}')
        J, B = self.num_keypoints, len(self.skeleton.bones)
        self.num_bones = B
        self.pairs = joint_shift_pairs(self.skeleton)
        self.final, self.use_joint_shift = final, joint_shift_loss
        self.weights = dict(PAPER_LOSS_WEIGHTS, **loss_weights)
        self.pose_loss_weight = pose_loss_weight
        self.pose_loss_trains_directions = pose_loss_trains_directions
        self.augmented_joints_loss = augmented_joints_loss
        fc = final == 'fc'
        self.joints_fc = BoneFusion(B, channels, 3 * J) if fc else None
        self.shift_fc = (nn.ModuleList(
            [BoneFusion(B, channels, 3 * len(self.pairs))
             for _ in range(num_stages)]) if fc and joint_shift_loss
            else None)

    def forward(self, feats: Dict) -> torch.Tensor:
        """The prediction: joints ``(N, J, 3)`` from the top sub-network's
        directions and the lengths."""
        return self.joints(feats['directions'][-1],
                           feats['length_out']['lengths'])

    def joints(self, directions: torch.Tensor, lengths: torch.Tensor
               ) -> torch.Tensor:
        """``(N, B, 3)`` directions, ``(N, B)`` lengths -> ``(N, J, 3)``."""
        directions = F.normalize(directions, dim=-1)
        if self.joints_fc is not None:
            return self.joints_fc(directions, lengths).view(
                -1, self.num_keypoints, 3)
        return bones_to_joints(directions, lengths, self.skeleton)

    def joint_shifts(self, directions: torch.Tensor, lengths: torch.Tensor,
                     stage: int = -1) -> torch.Tensor:
        """Predicted shifts ``(N, P, 3)`` from sub-network ``stage``'s
        directions; the lengths enter detached."""
        lengths = lengths.detach()
        if self.shift_fc is not None:
            d = F.normalize(directions, dim=-1)
            return self.shift_fc[stage](d, lengths).view(
                -1, len(self.pairs), 3)
        return joint_shifts(self.joints(directions, lengths), self.pairs)

    def loss(self, feats: Dict, data_samples) -> Dict[str, torch.Tensor]:
        """Eq. 7 as a dict of weighted terms.

        Args:
            feats: see the class docstring.
            data_samples: the data samples, or their fields already stacked
                (:func:`stack_field`): ``bone_directions`` ``(N, B, 3)``,
                ``bone_lengths`` ``(N, B)``, ``length_target`` ``(N, l, J,
                3)`` and ``lifting_target`` ``(N, J, 3)``; with
                ``aug_length_out`` also ``aug_bone_lengths`` ``(N, B)`` (and
                ``aug_length_target`` ``(N, l, J, 3)`` with
                ``augmented_joints_loss``).

        Keys containing ``loss`` are optimised; ``length_error`` (L_L when
        nothing trainable depends on it) is only logged.
        """
        directions, length_out = feats['directions'], feats['length_out']
        aug_length_out = feats.get('aug_length_out')

        def target(key):
            return stack_field(data_samples, key, directions[-1])

        w = self.weights
        losses = {}
        for i, d in enumerate(directions):
            losses[f'loss_direction_{i}'] = w['direction'] * \
                bone_direction_loss(F.normalize(d, dim=-1),
                                    target(BONE_DIRECTIONS))
        lengths = length_out['lengths']
        l_len = w['length'] * bone_length_loss(lengths, target(BONE_LENGTHS))
        losses['loss_length' if lengths.requires_grad else
               'length_error'] = l_len
        if aug_length_out is not None:
            losses['loss_length_aug'] = w['length'] * bone_length_loss(
                aug_length_out['lengths'], target(AUG_BONE_LENGTHS))
        if length_out['frame_joints'] is not None:
            losses['loss_joints'] = w['joints'] * one_frame_mpjpe_loss(
                length_out['frame_joints'], target(LENGTH_TARGET))
            if aug_length_out is not None and self.augmented_joints_loss:
                losses['loss_joints_aug'] = w['joints'] * \
                    one_frame_mpjpe_loss(aug_length_out['frame_joints'],
                                         target(AUG_LENGTH_TARGET))
        if self.use_joint_shift:
            target_shifts = joint_shifts(target(LIFTING_TARGET), self.pairs)
            for i in range(len(directions)):
                key = ('loss_joint_shift' if len(directions) == 1 else
                       f'loss_joint_shift_{i}')
                losses[key] = w['joint_shift'] * joint_shift_loss(
                    self.joint_shifts(directions[i], lengths, i),
                    target_shifts)
        top = directions[-1]
        if self.joints_fc is not None:
            losses['loss_pose'] = self.pose_loss_weight * mpjpe_loss(
                self.joints(top if self.pose_loss_trains_directions else
                            top.detach(), lengths.detach()),
                target(LIFTING_TARGET))
        return losses

    def predict(self, feats: Dict, data_samples) -> List:
        """``pred_keypoints_3d`` and ``pred_bone_lengths`` (metres)."""
        decoded = self.decode_outputs(self.forward(feats),
                                      [s.metainfo for s in data_samples])
        lengths = feats['length_out']['lengths'].detach().cpu().numpy()
        decoded['bone_lengths'] = lengths * self.codec.target_scale
        return write_predictions(data_samples, decoded)
