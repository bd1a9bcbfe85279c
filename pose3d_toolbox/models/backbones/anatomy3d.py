"""The two networks of Anatomy-aware 3D pose estimation (Chen et al. 2021).

- :class:`BoneDirectionNet` (Sec. 3.2, Fig. 3 and 5): stacked temporal
  convolution sub-networks (VideoPose3D's :class:`TCN` layers) joined by
  long skip connections, each predicting every bone's direction.
- :class:`BoneLengthNet` (Sec. 3.3, Fig. 4, Eq. 6): the fully connected
  counterpart applied to ``l`` frames drawn at random from the whole video,
  with a bone-length self-attention over those frames.
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModule
from torch import nn

from pose3d_toolbox.codecs.bone import joints_to_bones
from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import Skeleton, get_skeleton
from .residual_mlp import ResidualMLP
from .tcn import (ConvBNAct, TemporalBlock, check_kernel_sizes,
                  receptive_field)

SCORE_FUSIONS = (None, 'attention', 'concat')


class DirectionSubNet(nn.Module):
    """One sub-network above its stem: residual blocks and a direction head.

    Level ``i`` (0 = stem output, ``n`` = last block) may get an *extra*
    feature concatenated to the input of the next layer: the long skip from
    the sub-network below, or (bottom, level 0) the weighted visibility
    feature of Fig. 5. ``extra_levels`` says which levels have one; those
    layers take ``2 * channels`` inputs.
    """

    def __init__(self, channels: int, kernel_sizes: Sequence[int],
                 num_bones: int, extra_levels: Sequence[int] = (),
                 causal: bool = False, dropout: float = 0.25,
                 bn_momentum: float = 0.1):
        super().__init__()
        self.extra_levels = frozenset(extra_levels)
        self.num_bones = num_bones
        self.blocks = nn.ModuleList()
        dilation = kernel_sizes[0]
        for i, k in enumerate(kernel_sizes[1:]):
            width = channels * (2 if i in self.extra_levels else 1)
            self.blocks.append(TemporalBlock(width, channels, k, dilation,
                                             causal, dropout, bn_momentum))
            dilation *= k
        n = len(self.blocks)
        self.head = nn.Linear(channels * (2 if n in self.extra_levels else 1),
                              num_bones * 3)

    @staticmethod
    def _join(h, extra):
        return h if extra is None else torch.cat([h, extra], -1)

    def forward(self, h: torch.Tensor, extras: Sequence[Optional[torch.Tensor]]
                ):
        """``h`` ``(N, T_0, C)`` stem feature; ``extras[i]`` the level-``i``
        extra feature or None. Returns ``(levels, directions (N, B, 3))``."""
        levels = [h]
        for i, block in enumerate(self.blocks):
            h = block(self._join(h, extras[i]), res=h)
            levels.append(h)
        out = self.head(self._join(h, extras[len(self.blocks)])[:, 0])
        return levels, out.view(-1, self.num_bones, 3)


@MODELS.register_module()
class BoneDirectionNet(BaseModule):
    """Bone-direction network with long skip connections (Fig. 3).

    The bottom sub-network is VideoPose3D's TCN on the ``d`` input frames.
    Each further sub-network takes the directions predicted below,
    repeated ``d / s`` times (the stem's output length), through a 1x1
    convolution; the output of each of its levels is concatenated with the
    matching level of the sub-network below (the long skip connections)
    before its next layer. With ``stop_gradient`` no gradient crosses
    between sub-networks, so each is trained by its own direction loss.

    Args:
        skeleton: skeleton name or object: ``J`` joints, ``B = J - 1``
            bones.
        channels: hidden width (1024).
        kernel_sizes: TCN widths; the receptive field ``d`` is their product.
        num_stages: sub-networks (2 in the paper; 1 = the Baseline TCN).
        score_fusion: how the visibility scores enter the bottom
            sub-network: ``'attention'`` (the implicit attention of Fig. 5:
            a strided convolution block maps the scores to the hidden width,
            the product with the keypoint feature is concatenated to it),
            ``'concat'`` (the scores are concatenated to the 2D input, the
            paper's "Fusion") or None (unused).
        long_skip: concatenate the lower sub-network's levels (else the
            upper one sees only the lower one's directions).
        stop_gradient: block gradients between sub-networks.
        dropout, causal, bn_momentum: as :class:`TCN`.

    ``forward(keypoints_2d (N, d, J, 2), visibility (N, d, J))`` returns the
    list of every sub-network's directions ``(N, B, 3)``, bottom first
    (not normalised; the last one is the prediction).
    """

    def __init__(self, skeleton: Union[str, Skeleton] = 'h36m',
                 channels: int = 1024,
                 kernel_sizes: Sequence[int] = (3, 3, 3, 3),
                 num_stages: int = 2, score_fusion: Optional[str] = None,
                 long_skip: bool = True, stop_gradient: bool = True,
                 dropout: float = 0.25, causal: bool = False,
                 bn_momentum: float = 0.1, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_kernel_sizes(kernel_sizes, 'BoneDirectionNet')
        if score_fusion not in SCORE_FUSIONS:
            raise ValueError(f'BoneDirectionNet: score_fusion must be one of '
                             f'{SCORE_FUSIONS}, got {score_fusion!r}')
        if num_stages < 1:
            raise ValueError(f'BoneDirectionNet: num_stages must be >= 1, '
                             f'got {num_stages}')
        J = get_skeleton(skeleton).num_joints
        B = J - 1
        ks = tuple(int(k) for k in kernel_sizes)
        self.num_keypoints, self.num_bones = J, B
        self.channels = channels
        self.kernel_sizes = ks
        self.num_stages, self.score_fusion = num_stages, score_fusion
        self.long_skip, self.stop_gradient = long_skip, stop_gradient
        args = dict(dropout=dropout, bn_momentum=bn_momentum)
        in_ch = J * (3 if score_fusion == 'concat' else 2)
        self.stem = ConvBNAct(in_ch, channels, ks[0], **args)
        self.score_stem = (ConvBNAct(J, channels, ks[0], **args)
                           if score_fusion == 'attention' else None)
        n = len(ks) - 1
        sub = dict(channels=channels, kernel_sizes=ks, num_bones=B,
                   causal=causal, **args)
        self.subnets = nn.ModuleList(
            [DirectionSubNet(extra_levels=(0, ) if self.score_stem else (),
                             **sub)])
        self.upper_stems = nn.ModuleList()
        for _ in range(num_stages - 1):
            self.upper_stems.append(ConvBNAct(B * 3, channels, 1, **args))
            self.subnets.append(DirectionSubNet(
                extra_levels=range(n + 1) if long_skip else (), **sub))

    @property
    def receptive_field(self) -> int:
        return receptive_field(self.kernel_sizes)

    def forward(self, keypoints_2d: torch.Tensor,
                visibility: Optional[torch.Tensor] = None
                ) -> List[torch.Tensor]:
        N, d = keypoints_2d.shape[:2]
        if d != self.receptive_field:
            raise ValueError(
                f'BoneDirectionNet with kernel_sizes {self.kernel_sizes} '
                f'needs {self.receptive_field} frames per sample, got {d}; '
                f'set the dataset seq_len to {self.receptive_field}')
        if self.score_fusion and visibility is None:
            raise ValueError('BoneDirectionNet: score_fusion='
                             f'{self.score_fusion!r} needs visibility scores')
        x = keypoints_2d.flatten(2)
        if self.score_fusion == 'concat':
            x = torch.cat([x, visibility], -1)
        h = self.stem(x)
        extras: List[Optional[torch.Tensor]] = [None] * len(self.kernel_sizes)
        if self.score_stem is not None:
            # Fig. 5: the keypoint feature acts as implicit attention weights
            extras[0] = h * self.score_stem(visibility)
        levels, directions = self.subnets[0](h, extras)
        outputs = [directions]
        for stem, subnet in zip(self.upper_stems, self.subnets[1:]):
            if self.stop_gradient:
                levels = [v.detach() for v in levels]
                directions = directions.detach()
            # the directions below, repeated d / s times (stem length)
            rep = directions.flatten(1)[:, None].expand(-1, h.shape[1], -1)
            g = stem(rep.contiguous())
            extras = levels if self.long_skip else [None] * len(levels)
            levels, directions = subnet(g, extras)
            outputs.append(directions)
        return outputs


@MODELS.register_module()
class BoneLengthNet(BaseModule):
    """Bone-length network on ``l`` random frames (Fig. 4, Eq. 6).

    A fully connected residual network (the bottom direction sub-network's
    depth, :class:`ResidualMLP`) maps each frame's 2D keypoints to

    - its 3D joints (``mpjpe_loss=True``, the paper's "ML"; the frame's
      bone lengths are derived from them), or
    - its ``B`` bone lengths directly (the naive framework "AF").

    The frame lengths are pooled over the ``l`` frames by the self-attention
    ``A_i = softmax_i(gamma * W X_iJ)``, ``X_L = sum_i A_i * X_iL`` (Eq. 6,
    ``bone_attention=True``, needs ``mpjpe_loss``) or by the mean. With
    ``mpjpe_loss`` the pooling sees the frame predictions detached: the
    network is trained by the joints' MPJPE (L_J), the attention by the
    length loss (L_L), independently, as Sec. 3.3 says.

    Args:
        skeleton: skeleton name or object (``J`` joints, the bones).
        channels: hidden width.
        num_blocks: residual blocks (= the direction TCN's blocks,
            ``len(kernel_sizes) - 1``).
        dropout: dropout probability.
        mpjpe_loss: predict joints (ML) instead of lengths.
        bone_attention: attention pooling instead of the mean.
        gamma: attention sharpness (10).

    ``forward(keypoints_2d (N, l, J, 2))`` -> dict with ``frame_joints``
    ``(N, l, J, 3)`` (None without ML), ``frame_lengths`` ``(N, l, B)``,
    ``weights`` ``(N, l, B)`` (the pooling weights) and ``lengths``
    ``(N, B)``.
    """

    def __init__(self, skeleton: Union[str, Skeleton] = 'h36m',
                 channels: int = 1024, num_blocks: int = 3,
                 dropout: float = 0.25, mpjpe_loss: bool = True,
                 bone_attention: bool = True, gamma: float = 10.0,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if bone_attention and not mpjpe_loss:
            raise ValueError('BoneLengthNet: bone_attention weighs frames by '
                             'their predicted joints, so it needs '
                             'mpjpe_loss=True')
        skel = get_skeleton(skeleton)
        self.skeleton = skel.name
        J, B = skel.num_joints, skel.num_joints - 1
        self.num_keypoints, self.num_bones = J, B
        self.mpjpe_loss, self.gamma = mpjpe_loss, float(gamma)
        self.mlp = ResidualMLP(2 * J, channels, num_blocks, dropout)
        self.out = nn.Linear(channels, 3 * J if mpjpe_loss else B)
        self.attention = (nn.Linear(3 * J, B, bias=False)
                          if bone_attention else None)

    def forward(self, keypoints_2d: torch.Tensor) -> Dict[str, torch.Tensor]:
        N, l, J = keypoints_2d.shape[:3]
        if l == 0:
            raise ValueError('BoneLengthNet got 0 random frames per sample: '
                             'set num_random_frames > 0 in the dataset')
        y = self.out(self.mlp(keypoints_2d.reshape(N * l, -1)))
        frame_joints = None
        if self.mpjpe_loss:
            frame_joints = y.view(N, l, J, 3)
            frame_lengths = joints_to_bones(frame_joints, self.skeleton)[1]
            joints_in, lengths_in = (frame_joints.detach(),
                                     frame_lengths.detach())
        else:
            frame_lengths = y.view(N, l, self.num_bones)
            joints_in, lengths_in = None, frame_lengths
        if self.attention is not None:
            logits = self.gamma * self.attention(joints_in.flatten(2))
            weights = logits.softmax(dim=1)
        else:
            weights = torch.full_like(lengths_in, 1.0 / l)
        return dict(frame_joints=frame_joints, frame_lengths=frame_lengths,
                    weights=weights, lengths=(weights * lengths_in).sum(1))
