"""Flip test: mirror a prediction of the mirrored input back.

A horizontal mirror negates x (about the centre the codec put at x = 0) or
reverses the image width, and swaps left and right joints
(:attr:`~pose3d_toolbox.skeletons.Skeleton.flip_indices`). Every function
here is its own inverse. :func:`flip_test` averages a model's output with
the mirrored-back output of the mirrored input.
"""
from typing import Callable

import numpy as np
import torch


def flip_keypoints(keypoints: torch.Tensor, flip_indices) -> torch.Tensor:
    """Mirror ``(..., J, C)`` keypoints centred on x = 0 (2D inputs of the
    lifting codecs, root-relative 3D poses): swap left and right joints and
    negate x."""
    flipped = keypoints[..., flip_indices, :].clone()
    flipped[..., 0] = -flipped[..., 0]
    return flipped


def flip_heatmaps(maps: torch.Tensor, flip_indices) -> torch.Tensor:
    """Mirror per-joint maps ``(N, J, H, W)`` (heatmaps) or ``(N, J, D, H,
    W)`` (volumes): reverse the width and swap left and right channels.
    Exact for the heatmap codec's pixel convention (pixel ``x`` of a ``W``
    wide map mirrors to ``W - 1 - x``)."""
    if maps.dim() not in (4, 5):
        raise ValueError(f'flip_heatmaps expects (N, J, H, W) or (N, J, D, '
                         f'H, W) maps, got {tuple(maps.shape)}')
    index = torch.as_tensor(np.asarray(flip_indices), device=maps.device)
    return maps.flip(-1).index_select(1, index)


def flip_test(forward: Callable, inputs: torch.Tensor,
              flip_input: Callable, flip_output: Callable) -> torch.Tensor:
    """``(forward(x) + flip_output(forward(flip_input(x)))) / 2``; a
    named tuple of tensors (a head with several outputs, e.g.
    :class:`~pose3d_toolbox.models.heads.HEMletsOutput`) is averaged field
    by field."""
    outputs = forward(inputs)
    mirrored = flip_output(forward(flip_input(inputs)))
    if isinstance(outputs, tuple):
        return type(outputs)(*((a + b) / 2
                               for a, b in zip(outputs, mirrored)))
    return (outputs + mirrored) / 2
