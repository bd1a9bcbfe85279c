"""VideoPose3D's temporal convolution network (Pavllo et al., CVPR 2019).

A stem convolution of width ``w_0`` followed by residual blocks, each a
convolution of width ``w_i`` dilated by ``w_0 * ... * w_{i-1}`` and a 1x1
convolution (every convolution without bias, followed by BatchNorm, ReLU and
dropout); the residual is the centre (causal: the last) frame of the
block's window. The receptive field is ``prod(w_i)``.

Two forms share the same weights:

- *strided* (training, one output frame): the input is exactly one
  receptive field and every convolution has stride = width. The windows do
  not overlap, so each convolution is a reshape and one matrix product,
  which on CPU runs about 3.4x faster than ``Conv1d`` with a stride
  (``../shared/docs/methods.md``).
- *dilated* (inference on a whole sequence of ``T`` frames, ``T - RF + 1``
  output frames): the same convolutions, dilated, via ``conv1d``.

Features are channel-last, ``(N, T, C)``, throughout.
"""
import math
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from pose3d_toolbox.registry import MODELS


def strided_conv(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Convolution with stride = kernel width as a matrix product.

    Args:
        x: ``(N, T, C_in)`` with ``T`` a multiple of the width ``k``.
        weight: ``(C_out, C_in, k)`` (a ``Conv1d`` weight).

    Returns:
        ``(N, T // k, C_out)``, equal to ``conv1d(x, weight, stride=k)``.
    """
    n, t, c = x.shape
    c_out, c_in, k = weight.shape
    if c != c_in or t % k:
        raise ValueError(f'strided_conv: input (N, T={t}, C={c}) does not fit '
                         f'a width-{k} kernel over {c_in} channels')
    # window-major, channel-minor flattening on both sides
    w = weight.permute(0, 2, 1).reshape(c_out, k * c_in)
    return F.linear(x.reshape(n, t // k, k * c), w)


def dilated_conv(x: torch.Tensor, weight: torch.Tensor,
                 dilation: int) -> torch.Tensor:
    """``(N, T, C_in)`` -> ``(N, T - (k - 1) * dilation, C_out)``."""
    return F.conv1d(x.transpose(1, 2), weight,
                    dilation=dilation).transpose(1, 2)


def _bn(bn: nn.BatchNorm1d, x: torch.Tensor) -> torch.Tensor:
    """BatchNorm over channel-last ``(N, T, C)``."""
    n, t, c = x.shape
    return bn(x.reshape(n * t, c)).view(n, t, c)


class ConvBNAct(nn.Module):
    """Conv1d (no bias) -> BN -> ReLU -> Dropout in both forms.

    Args:
        in_channels, out_channels: channels.
        kernel_size: width ``k`` of the convolution.
        dilation: its dilation in the dilated form.
        dropout: dropout probability.
        bn_momentum: BatchNorm momentum (VideoPose3D: 0.1).
    """

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: int = 1, dilation: int = 1,
                 dropout: float = 0.25, bn_momentum: float = 0.1):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size,
                              dilation=dilation, bias=False)
        self.bn = nn.BatchNorm1d(out_channels, momentum=bn_momentum)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, dense: bool = False) -> torch.Tensor:
        w = self.conv.weight
        if w.shape[-1] == 1:
            y = F.linear(x, w[..., 0])
        elif dense:
            y = dilated_conv(x, w, self.conv.dilation[0])
        else:
            y = strided_conv(x, w)
        return self.drop(F.relu(_bn(self.bn, y)))


class TemporalBlock(nn.Module):
    """Residual block: width-``k`` conv, 1x1 conv, plus the window's centre.

    ``forward(x, res, dense)``: ``x`` ``(N, T, C_in)`` is convolved (``C_in``
    may exceed ``channels`` when other features are concatenated to it),
    ``res`` ``(N, T, channels)`` gives the residual.
    """

    def __init__(self, in_channels: int, channels: int, kernel_size: int,
                 dilation: int, causal: bool = False, dropout: float = 0.25,
                 bn_momentum: float = 0.1):
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.causal = causal
        self.conv = ConvBNAct(in_channels, channels, kernel_size, dilation,
                              dropout, bn_momentum)
        self.pointwise = ConvBNAct(channels, channels, 1, 1, dropout,
                                   bn_momentum)

    def residual(self, res: torch.Tensor, dense: bool) -> torch.Tensor:
        k, d = self.kernel_size, self.dilation
        pick = k - 1 if self.causal else k // 2  # frame of each window
        if dense:
            t_out = res.shape[1] - (k - 1) * d
            return res[:, pick * d:pick * d + t_out]
        return res[:, pick::k]

    def forward(self, x: torch.Tensor, res: Optional[torch.Tensor] = None,
                dense: bool = False) -> torch.Tensor:
        res = x if res is None else res
        return self.residual(res, dense) + self.pointwise(
            self.conv(x, dense), dense)


def receptive_field(kernel_sizes: Sequence[int]) -> int:
    return int(math.prod(kernel_sizes))


def check_kernel_sizes(kernel_sizes: Sequence[int], owner: str) -> None:
    if not kernel_sizes or any(int(k) != k or k < 1 or k % 2 == 0
                               for k in kernel_sizes):
        raise ValueError(f'{owner}: kernel_sizes must be odd positive '
                         f'integers, got {kernel_sizes!r}')


@MODELS.register_module()
class TCN(BaseModule):
    """VideoPose3D's temporal convolution network as a backbone.

    Args:
        in_channels: values per input frame (``2 * J`` for 2D keypoints).
        channels: hidden width (1024 in the paper).
        kernel_sizes: widths ``w_i``; ``(3, 3, 3)`` gives 27 frames,
            ``(3, 3, 3, 3)`` 81 and ``(3, 3, 3, 3, 3)`` 243.
        dropout: dropout probability (0.25).
        causal: residuals take the last frame of each window (with causal
            input windows, which end at the target, nothing after the target
            is ever read).
        bn_momentum: BatchNorm momentum.

    ``forward(x)``: ``x`` ``(N, RF, ...)`` (one receptive field per sample,
    flattened per frame) -> ``(N, channels)``, strided form.
    ``forward_sequence(x)``: ``(N, T, ...)`` with ``T >= RF`` ->
    ``(N, T - RF + 1, channels)``, dilated form, same weights.
    ``forward_levels(x, dense)`` returns the feature of every level (stem
    output and each block's), for networks that tap them.
    """

    def __init__(self, in_channels: int, channels: int = 1024,
                 kernel_sizes: Sequence[int] = (3, 3, 3),
                 dropout: float = 0.25, causal: bool = False,
                 bn_momentum: float = 0.1, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_kernel_sizes(kernel_sizes, 'TCN')
        self.in_channels, self.channels = in_channels, channels
        self.kernel_sizes = tuple(int(k) for k in kernel_sizes)
        self.receptive_field = receptive_field(self.kernel_sizes)
        self.causal = causal
        self.stem = ConvBNAct(in_channels, channels, self.kernel_sizes[0], 1,
                              dropout, bn_momentum)
        self.blocks = nn.ModuleList()
        dilation = self.kernel_sizes[0]
        for k in self.kernel_sizes[1:]:
            self.blocks.append(TemporalBlock(channels, channels, k, dilation,
                                             causal, dropout, bn_momentum))
            dilation *= k

    def _flat(self, x: torch.Tensor, dense: bool) -> torch.Tensor:
        x = x.flatten(2) if x.dim() > 3 else x
        n, t, c = x.shape
        if c != self.in_channels:
            raise ValueError(f'TCN expects {self.in_channels} values per '
                             f'frame, got {c}; set in_channels to '
                             'num_keypoints * 2 in the config')
        if (t != self.receptive_field) if not dense else \
                (t < self.receptive_field):
            want = ('exactly' if not dense else 'at least')
            raise ValueError(
                f'TCN with kernel_sizes {self.kernel_sizes} needs {want} '
                f'{self.receptive_field} frames per sample, got {t}; set the '
                f'dataset seq_len to {self.receptive_field}')
        return x

    def forward_levels(self, x: torch.Tensor,
                       dense: bool = False) -> List[torch.Tensor]:
        """Features ``(N, T_i, channels)`` of the stem and of every block."""
        h = self.stem(self._flat(x, dense), dense)
        levels = [h]
        for block in self.blocks:
            h = block(h, dense=dense)
            levels.append(h)
        return levels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_levels(x, dense=False)[-1][:, 0]

    def forward_sequence(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_levels(x, dense=True)[-1]
