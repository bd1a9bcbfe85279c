"""Temporal windows of the lifters: where a window's frames are and how a
sequence's ends are padded (numpy only; no PyTorch).

One place for the index maths that the lifting datasets
(:class:`~pose3d_toolbox.datasets.BaseLiftingDataset`), the PyTorch
inferencer and the onnxruntime lifter (:mod:`pose3d_toolbox.apis.
onnx_lifter`) all use.

A window of ``seq_len`` frames spaced ``frame_interval`` apart around a
target frame ``t`` reads frames ``t + (i - target_index) * frame_interval``
for ``i = 0 .. seq_len - 1``, with ``target_index = seq_len - 1`` when
``causal`` (the target is the last frame; nothing later is read) and
``seq_len // 2`` otherwise. Frames outside the video are clipped to
``[0, T - 1]``: a window running over an edge repeats the first / last
frame (VideoPose3D's edge padding).

Anatomy3D's bone-length network also reads ``l`` frames drawn at random
from the video (:func:`random_frames`); at test time the draw of sample
``idx`` is seeded by ``(random_frames_seed, idx)`` (:func:`sample_rng`), so
evaluation and both inference backends read the same frames.
"""
from typing import Tuple

import numpy as np


def window_offsets(seq_len: int, causal: bool = False,
                   frame_interval: int = 1) -> Tuple[int, np.ndarray]:
    """``(target_index, offsets (seq_len,))`` of a window: frame ``i`` of
    the window around target ``t`` is ``t + offsets[i]`` with ``offsets[i]
    = (i - target_index) * frame_interval``."""
    target_index = int(seq_len) - 1 if causal else int(seq_len) // 2
    offsets = (np.arange(int(seq_len)) - target_index) * int(frame_interval)
    return target_index, offsets


def receptive_field(seq_len: int, frame_interval: int = 1) -> int:
    """Frames spanned by a window: ``(seq_len - 1) * frame_interval + 1``."""
    return (int(seq_len) - 1) * int(frame_interval) + 1


def window_frames(targets: np.ndarray, offsets: np.ndarray,
                  last) -> np.ndarray:
    """``(N, S)`` frame indices of the windows around ``targets`` ``(N,)``,
    clipped to ``[0, last]`` (``last``: a video's last frame index, or
    ``(N,)`` of them): the edge padding repeats the first / last frame."""
    last = np.asarray(last)
    if last.ndim:
        last = last[:, None]
    return np.clip(np.asarray(targets)[:, None] + offsets, 0, last)


def edge_pad_sequence(x: np.ndarray, receptive_field: int,
                      causal: bool = False, axis: int = 1) -> np.ndarray:
    """Pad a sequence along ``axis`` for the dilated whole-sequence form
    (one output per input frame): ``receptive_field - 1`` frames in all,
    split ``(rf - 1) // 2`` before and the rest after (``causal``: all
    before), repeating the first / last frame, so that output ``t`` reads
    the frames the window around ``t`` reads (:func:`window_frames`)."""
    rf = int(receptive_field)
    left = rf - 1 if causal else (rf - 1) // 2
    right = rf - 1 - left
    idx = np.clip(np.arange(-left, x.shape[axis] + right), 0,
                  x.shape[axis] - 1)
    return np.take(x, idx, axis=axis)


def sample_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of test-mode sample ``index``'s random frames, seeded
    by ``(seed, index)`` (the dataset's ``random_frames_seed`` and the
    sample's index: the target frame, for one video at ``step`` 1)."""
    return np.random.default_rng((int(seed), int(index)))


def random_frames(num_frames: int, count: int,
                  rng: np.random.Generator) -> np.ndarray:
    """``(count,)`` sorted int64 frame indices drawn from ``[0,
    num_frames)`` by ``rng`` (with replacement only when the video has
    fewer than ``count`` frames)."""
    frames = rng.choice(int(num_frames), int(count),
                        replace=int(num_frames) < int(count))
    return np.sort(frames).astype(np.int64)
