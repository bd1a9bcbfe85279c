"""Pictures of validation / test samples while the runner evaluates
(MMPose's ``PoseVisualizationHook``, for 3D poses).

``tools/test.py CONFIG CHECKPOINT --show-dir DIR`` adds this hook. In a
config::

    custom_hooks = [dict(type='Pose3dVisualizationHook', enable=True,
                         out_dir='work_dirs/vis', interval=50,
                         max_samples=20)]
"""
import os.path as osp
import re
from typing import Optional, Sequence

import torch
from mmengine.dist import get_dist_info
from mmengine.hooks import Hook

from pose3d_toolbox.registry import HOOKS


@HOOKS.register_module()
class Pose3dVisualizationHook(Hook):
    """Draw every ``interval``-th sample of the test (and, with
    ``enable_val``, validation) loop with
    :class:`~pose3d_toolbox.visualization.Pose3dLocalVisualizer`, at most
    ``max_samples`` per loop, so a whole test set costs a few seconds.

    A picture is the image with the 2D skeleton (an image model's input
    crop with ``pred_keypoints_2d_input`` when the sample has no
    ``img_path``, as for rendered data; a lifter's 2D input on the camera's
    empty frame), beside 3D views of the prediction over the ground truth
    in camera space; it is written to ``out_dir`` as
    ``<loop>_<index>_<subject>_<action>_<camera>_<frame>.png``
    (``<loop>_rank<r>_<index>_...`` in a distributed run, each process
    counting its own samples) or, without ``out_dir``, to the visualiser's
    backends.

    Args:
        enable: draw test samples (off by default, as in MMPose).
        enable_val: also draw validation samples.
        interval: draw sample ``0, interval, 2 * interval, ...`` (counted
            over the loop's samples, across batches).
        max_samples: at most this many pictures per loop.
        out_dir: folder of the pictures (made if missing); relative paths
            are taken from the current directory.
        draw_gt, draw_pred: draw the ground truth / the prediction.
        show, wait_time: show each picture in a window (needs a display).
    """
    priority = 'NORMAL'

    def __init__(self, enable: bool = False, enable_val: bool = False,
                 interval: int = 50, max_samples: int = 20,
                 out_dir: Optional[str] = None, draw_gt: bool = True,
                 draw_pred: bool = True, show: bool = False,
                 wait_time: float = 0.) -> None:
        if interval < 1 or max_samples < 0:
            raise ValueError(f'Pose3dVisualizationHook: interval must be >= '
                             f'1 and max_samples >= 0, got {interval} and '
                             f'{max_samples}')
        self.enable = enable
        self.enable_val = enable_val
        self.interval = interval
        self.max_samples = max_samples
        self.out_dir = out_dir
        self.draw_gt = draw_gt
        self.draw_pred = draw_pred
        self.show = show
        self.wait_time = wait_time
        self._seen = self._drawn = 0
        self.written = []

    def _visualizer(self, runner):
        from pose3d_toolbox.visualization import Pose3dLocalVisualizer
        if isinstance(runner.visualizer, Pose3dLocalVisualizer):
            return runner.visualizer
        # The config's visualiser draws no 3D poses: a 3D one of its own,
        # named after the run (mmengine keeps one instance per name).
        return Pose3dLocalVisualizer.get_instance(
            f'{runner.experiment_name}_pose3d')

    def _reset(self, runner) -> None:
        self._seen = self._drawn = 0

    before_val_epoch = _reset
    before_test_epoch = _reset

    def after_val_iter(self, runner, batch_idx: int, data_batch,
                       outputs: Sequence) -> None:
        if self.enable_val:
            self._draw(runner, data_batch, outputs, 'val')

    def after_test_iter(self, runner, batch_idx: int, data_batch,
                        outputs: Sequence) -> None:
        if self.enable:
            self._draw(runner, data_batch, outputs, 'test')

    def _draw(self, runner, data_batch, outputs: Sequence,
              loop: str) -> None:
        inputs = data_batch.get('inputs') if isinstance(data_batch,
                                                        dict) else None
        for i, sample in enumerate(outputs):
            index = self._seen
            self._seen += 1
            if index % self.interval or self._drawn >= self.max_samples:
                continue
            self._drawn += 1
            name = _picture_name(loop, index, sample)
            out_file = None if self.out_dir is None else osp.join(
                self.out_dir, f'{name}.png')
            image, keypoints_2d = _input_crop(inputs, i, sample)
            self._visualizer(runner).add_datasample(
                name, image, sample, draw_gt=self.draw_gt,
                draw_pred=self.draw_pred, show=self.show,
                wait_time=self.wait_time, out_file=out_file, step=index,
                keypoints_2d=keypoints_2d)
            if out_file is not None:
                self.written.append(out_file)


def _input_crop(inputs, index: int, sample):
    """``(image, keypoints_2d)``: an image model's input crop (``(3, H, W)``
    uint8 RGB, as ``PackPoseInputs`` packs ``img``) and its
    ``pred_keypoints_2d_input``, for a sample without ``img_path``;
    ``(None, None)`` otherwise (the visualiser reads ``img_path`` itself,
    and a lifter's input is no image)."""
    if inputs is None or getattr(sample, 'img_path', '') or \
            'pred_keypoints_2d_input' not in sample:
        return None, None
    crop = inputs[index]
    if getattr(crop, 'dtype', None) is not torch.uint8 or \
            crop.ndim != 3 or crop.shape[0] != 3:
        return None, None
    return (crop.permute(1, 2, 0).cpu().numpy(),
            sample.pred_keypoints_2d_input)


def _picture_name(loop: str, index: int, sample) -> str:
    parts = [loop, f'{index:06d}']
    rank, world_size = get_dist_info()
    if world_size > 1:  # each process counts its own samples
        parts.insert(1, f'rank{rank}')
    for key in ('subject', 'action', 'camera_id', 'frame'):
        value = getattr(sample, key, None)
        if value not in (None, ''):
            parts.append(str(value))
    return re.sub(r'[^A-Za-z0-9._-]+', '-', '_'.join(parts))
