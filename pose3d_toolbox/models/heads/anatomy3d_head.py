"""Anatomy3D's head: joints from bone lengths and directions, and Eq. 7.

The final joints come from the predicted bone directions and lengths either
through a fully connected layer (``final='fc'``, the authors' implementation,
Sec. 4.2, "slightly better") or exactly by forward kinematics (``'fk'``,
Eq. 1, no parameters). The joint shifts of the joint shift loss come from a
second fully connected layer or from the FK joints, respectively.

Training (Eq. 7): ``lambda_D L_D`` per direction sub-network, ``lambda_L
L_L`` (on the original batch and, with augmentation, on the augmented
batch), ``lambda_J L_J`` (one random frame of the length network) and
``lambda_JS L_JS``. The joint shift loss sees the bone lengths detached, so
it only updates the direction network (and its own FC layer). With
``final='fc'`` the joints layer is trained by an MPJPE on the target frame
(``pose_loss_weight``), a term the paper's Eq. 7 leaves implicit; the
lengths enter it detached as well, so the length branch is trained by L_J
and L_L only.
"""
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from pose3d_toolbox.codecs.bone import (bones_to_joints, joint_shift_pairs,
                                        joint_shifts)
from pose3d_toolbox.registry import KEYPOINT_CODECS, MODELS
from ..losses.bone import (bone_direction_loss, bone_length_loss,
                           joint_shift_loss, mpjpe_loss, one_frame_mpjpe_loss)

#: Published weights of Eq. 7 (Sec. 4.2).
PAPER_LOSS_WEIGHTS = dict(direction=0.015, length=0.05, joints=1.0,
                          joint_shift=0.1)
FINAL_MODES = ('fc', 'fk')


@MODELS.register_module()
class Anatomy3DHead(BaseModule):
    """Final joints, joint shifts, losses and decoding of Anatomy3D.

    Args:
        codec: a :class:`BoneCodec` config (skeleton, scale, decoding).
        final: ``'fc'`` or ``'fk'`` (see the module docstring).
        joint_shift_loss: use L_JS (the paper's "JSL").
        loss_weights: ``direction``, ``length``, ``joints``, ``joint_shift``
            (lambda_D, lambda_L, lambda_J, lambda_JS).
        pose_loss_weight: weight of the FC joints layer's MPJPE.
    """

    def __init__(self, codec: Dict, final: str = 'fc',
                 joint_shift_loss: bool = True,
                 loss_weights: Dict = PAPER_LOSS_WEIGHTS,
                 pose_loss_weight: float = 1.0, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if final not in FINAL_MODES:
            raise ValueError(f'Anatomy3DHead: final must be one of '
                             f'{FINAL_MODES}, got {final!r}')
        unknown = set(loss_weights) - set(PAPER_LOSS_WEIGHTS)
        if unknown:
            raise ValueError(f'Anatomy3DHead: unknown loss_weights '
                             f'{sorted(unknown)}; use '
                             f'{sorted(PAPER_LOSS_WEIGHTS)}')
        self.codec = KEYPOINT_CODECS.build(codec)
        self.skeleton = self.codec.skeleton
        J, B = self.codec.num_keypoints, self.codec.num_bones
        self.num_keypoints, self.num_bones = J, B
        self.pairs = joint_shift_pairs(self.skeleton)
        self.final, self.use_joint_shift = final, joint_shift_loss
        self.weights = dict(PAPER_LOSS_WEIGHTS, **loss_weights)
        self.pose_loss_weight = pose_loss_weight
        fc = final == 'fc'
        self.joints_fc = nn.Linear(4 * B, 3 * J) if fc else None
        self.shift_fc = (nn.Linear(4 * B, 3 * len(self.pairs))
                         if fc and joint_shift_loss else None)

    def forward(self, directions: torch.Tensor, lengths: torch.Tensor
                ) -> torch.Tensor:
        """``(N, B, 3)`` directions, ``(N, B)`` lengths -> ``(N, J, 3)``."""
        if self.joints_fc is not None:
            x = torch.cat([directions.flatten(1), lengths], 1)
            return self.joints_fc(x).view(-1, self.num_keypoints, 3)
        return bones_to_joints(F.normalize(directions, dim=-1), lengths,
                               self.skeleton)

    def joint_shifts(self, directions: torch.Tensor, lengths: torch.Tensor
                     ) -> torch.Tensor:
        """Predicted shifts ``(N, P, 3)``; the lengths enter detached."""
        lengths = lengths.detach()
        if self.shift_fc is not None:
            x = torch.cat([directions.flatten(1), lengths], 1)
            return self.shift_fc(x).view(-1, len(self.pairs), 3)
        return joint_shifts(self.forward(directions, lengths), self.pairs)

    def loss(self, directions: List[torch.Tensor], length_out: Dict,
             targets: Dict[str, torch.Tensor],
             aug_length_out: Optional[Dict] = None,
             aug_lengths: Optional[torch.Tensor] = None
             ) -> Dict[str, torch.Tensor]:
        """Eq. 7 as a dict of weighted terms.

        Args:
            directions: every sub-network's ``(N, B, 3)``, bottom first.
            length_out: :class:`BoneLengthNet` output of the original batch.
            targets: ``bone_directions`` ``(N, B, 3)``, ``bone_lengths``
                ``(N, B)``, ``length_target`` ``(N, l, J, 3)`` and
                ``lifting_target`` ``(N, J, 3)``.
            aug_length_out, aug_lengths: the augmented batch's length
                network output and target lengths ``(N, B)``.

        Keys containing ``loss`` are optimised; ``length_error`` (L_L when
        nothing trainable depends on it) is only logged.
        """
        w = self.weights
        losses = {}
        for i, d in enumerate(directions):
            losses[f'loss_direction_{i}'] = w['direction'] * \
                bone_direction_loss(d, targets['bone_directions'])
        lengths = length_out['lengths']
        l_len = w['length'] * bone_length_loss(lengths,
                                               targets['bone_lengths'])
        losses['loss_length' if lengths.requires_grad else
               'length_error'] = l_len
        if aug_length_out is not None:
            losses['loss_length_aug'] = w['length'] * bone_length_loss(
                aug_length_out['lengths'], aug_lengths)
        if length_out['frame_joints'] is not None:
            losses['loss_joints'] = w['joints'] * one_frame_mpjpe_loss(
                length_out['frame_joints'], targets['length_target'])
        top = directions[-1]
        if self.use_joint_shift:
            target_shifts = joint_shifts(targets['lifting_target'],
                                         self.pairs)
            losses['loss_joint_shift'] = w['joint_shift'] * joint_shift_loss(
                self.joint_shifts(top, lengths), target_shifts)
        if self.joints_fc is not None:
            losses['loss_pose'] = self.pose_loss_weight * mpjpe_loss(
                self.forward(top, lengths.detach()),
                targets['lifting_target'])
        return losses

    def predict(self, directions: List[torch.Tensor], length_out: Dict,
                data_samples) -> List:
        joints = self.forward(directions[-1], length_out['lengths'])
        decoded = self.codec.decode(joints.detach().cpu().numpy(),
                                    [s.metainfo for s in data_samples])
        lengths = length_out['lengths'].detach().cpu().numpy()
        for i, sample in enumerate(data_samples):
            sample.pred_keypoints_3d = decoded['keypoints_3d'][i]
            sample.pred_bone_lengths = lengths[i] * self.codec.target_scale
        return data_samples
