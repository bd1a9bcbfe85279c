"""The registered 3D pose visualiser (mmengine's :class:`Visualizer` API).

A thin class over :mod:`.pose3d` and :mod:`.html_viewer`: pictures of data
samples go to the visualiser's backends (``add_datasample``) or to files;
sequences become a GIF, an MP4 or an interactive HTML viewer
(``add_sequence``), all in one fixed camera-space frame of reference.

Config::

    visualizer = dict(type='Pose3dLocalVisualizer',
                      vis_backends=[dict(type='LocalVisBackend')])

Example:
    >>> from pose3d_toolbox.visualization import Pose3dLocalVisualizer
    >>> vis = Pose3dLocalVisualizer.get_instance('doc')
    >>> # vis.add_datasample('s0', None, sample, out_file='s0.png')
    >>> # vis.add_sequence(samples, 'walk.gif')   # or .mp4, .html
"""
from pathlib import Path
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine.visualization import Visualizer

from pose3d_toolbox.registry import VISUALIZERS
from .html_viewer import save_html_viewer
from .pose3d import (DEFAULT_VIEWS, draw_pose3d, keypoints_box, read_image,
                     sample_poses, save_animation, save_image,
                     sequence_bounds)


@VISUALIZERS.register_module()
class Pose3dLocalVisualizer(Visualizer):
    """Draw 3D pose results: the image with its 2D skeleton beside 3D
    views, the prediction (side colours) over the ground truth (grey,
    dashed), in camera space.

    Args:
        name, image, vis_backends, save_dir: see
            :class:`mmengine.visualization.Visualizer`.
        skeleton: the skeleton when a data sample names none (its
            ``skeleton`` meta key wins).
        views: ``(title, elev, azim)`` of each 3D panel
            (:data:`~.pose3d.DEFAULT_VIEWS`).
        bounds: a fixed frame of reference for every picture, ``(N, 3)``
            plot points ``(x, z, -y)`` in metres (e.g. ``[[-1, 3, -1], [1,
            7, 1]]``); default: each picture's own poses, and each
            sequence's poses for :meth:`add_sequence`.
        panel_size, dpi: inches per panel and resolution.
        fps: frames per second of GIF / MP4 / HTML sequences.
    """

    def __init__(self, name: str = 'visualizer',
                 image: Optional[np.ndarray] = None,
                 vis_backends: Optional[List[dict]] = None,
                 save_dir: Optional[str] = None, skeleton: str = 'h36m',
                 views: Sequence = DEFAULT_VIEWS, bounds=None,
                 panel_size: float = 4.0, dpi: float = 100,
                 fps: float = 10.0) -> None:
        super().__init__(name=name, image=image, vis_backends=vis_backends,
                         save_dir=save_dir)
        self.skeleton = skeleton
        self.views = tuple(tuple(v) for v in views)
        self.bounds = None if bounds is None else np.asarray(bounds, float)
        self.panel_size = panel_size
        self.picture_dpi = dpi
        self.fps = fps

    def draw_sample(self, data_sample, image: Optional[np.ndarray] = None,
                    draw_gt: bool = True, draw_pred: bool = True,
                    bounds=None, box_2d=None,
                    title: Optional[str] = None,
                    keypoints_2d=None) -> np.ndarray:
        """One data sample as an ``(H, W, 3)`` RGB picture. ``image``
        (RGB) defaults to the sample's ``img_path`` when it has one;
        ``keypoints_2d`` (pixels of ``image``, e.g. an image model's
        ``pred_keypoints_2d_input`` on its input crop) replaces the
        sample's 2D skeleton; ``bounds`` and ``box_2d`` fix the 3D axes
        and the 2D panel's view (see :func:`~.pose3d.draw_pose3d`)."""
        poses = sample_poses(data_sample, self._skeleton(data_sample))
        if keypoints_2d is not None:
            poses['keypoints_2d'] = keypoints_2d
        if image is None and poses['img_path']:
            image = read_image(poses['img_path'])
        source = poses['keypoints_2d_source']
        panel = dict(prediction='2D prediction', input='2D input').get(
            source, 'image')
        return draw_pose3d(
            pred=poses['pred'] if draw_pred else None,
            gt=poses['gt'] if draw_gt else None,
            skeleton=poses['skeleton'], image=image,
            keypoints_2d=poses['keypoints_2d'],
            image_size=poses['image_size'], box_2d=box_2d,
            bounds=self.bounds if bounds is None else bounds,
            views=self.views, title=title or _sample_title(data_sample),
            keypoints_2d_title=panel, panel_size=self.panel_size,
            dpi=self.picture_dpi)

    def add_datasample(self, name: str, image: Optional[np.ndarray],
                       data_sample=None, draw_gt: bool = True,
                       draw_pred: bool = True, show: bool = False,
                       wait_time: float = 0, out_file: Optional[str] = None,
                       step: int = 0, keypoints_2d=None) -> np.ndarray:
        """Draw ``data_sample`` (see :meth:`draw_sample`); write it to
        ``out_file`` if given, else to the backends as ``name`` at
        ``step``; return the RGB picture."""
        if data_sample is None:
            raise ValueError(f'{type(self).__name__}.add_datasample({name!r}'
                             '): no data sample to draw')
        drawn = self.draw_sample(data_sample, image, draw_gt, draw_pred,
                                 keypoints_2d=keypoints_2d)
        self.set_image(drawn)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            save_image(drawn, out_file)
        else:
            self.add_image(name, drawn, step)
        return drawn

    def add_sequence(self, data_samples: Sequence, out_file: Union[str, Path],
                     images: Optional[Sequence[np.ndarray]] = None,
                     draw_gt: bool = True, draw_pred: bool = True,
                     fps: Optional[float] = None) -> Path:
        """Write a sequence of data samples (frames in order) to
        ``out_file``: ``.gif`` or ``.mp4`` (pictures as
        :meth:`draw_sample`), or ``.html`` (the interactive viewer,
        :func:`~.html_viewer.save_html_viewer`). Every frame shares one
        frame of reference (``bounds``, else the whole sequence's poses)."""
        if not len(data_samples):
            raise ValueError(f'{type(self).__name__}.add_sequence: no data '
                             f'samples for {out_file}')
        fps = fps or self.fps
        poses = [sample_poses(s, self._skeleton(s)) for s in data_samples]
        pred = _stack([p['pred'] for p in poses]) if draw_pred else None
        gt = _stack([p['gt'] for p in poses]) if draw_gt else None
        out_file = Path(out_file)
        if out_file.suffix.lower() in ('.html', '.htm'):
            return save_html_viewer(
                out_file, pred, gt, poses[0]['skeleton'], fps=fps,
                title=out_file.stem,
                frame_names=[_frame_name(s, i)
                             for i, s in enumerate(data_samples)])
        bounds = self.bounds if self.bounds is not None else \
            sequence_bounds(pred, gt)
        kp2d = [p['keypoints_2d'] for p in poses]
        box_2d = keypoints_box(*kp2d) if any(
            k is not None for k in kp2d) else None
        frames = [self.draw_sample(
            s, None if images is None else images[i], draw_gt, draw_pred,
            bounds=bounds, box_2d=box_2d) for i, s in enumerate(data_samples)]
        return save_animation(frames, out_file, fps)

    def save_sequence(self, data_samples: Sequence, stem: str,
                      formats: Sequence[str],
                      images: Optional[Sequence[np.ndarray]] = None,
                      fps: Optional[float] = None,
                      frame_labels: Optional[Sequence] = None) -> List[str]:
        """Write a sequence in each of ``formats``: ``'gif'``, ``'mp4'``,
        ``'html'`` as ``<stem>.<format>`` (:meth:`add_sequence`), ``'png'``
        as one picture per frame, ``<stem>_<label>.png`` with the labels
        ``frame_labels`` (default: the frame's position). Returns the
        written paths, in that order."""
        written = []
        for fmt in formats:
            if fmt != 'png':
                written.append(str(self.add_sequence(
                    data_samples, f'{stem}.{fmt}', images=images, fps=fps)))
                continue
            labels = frame_labels if frame_labels is not None else range(
                len(data_samples))
            for i, (sample, label) in enumerate(zip(data_samples, labels)):
                path = f'{stem}_{label}.png'
                self.add_datasample(Path(stem).name, None if images is None
                                    else images[i], sample, out_file=path)
                written.append(path)
        return written

    def _skeleton(self, data_sample):
        named = data_sample.get('skeleton') if isinstance(
            data_sample, dict) else getattr(data_sample, 'skeleton', None)
        return named or self.skeleton


def _stack(arrays) -> Optional[np.ndarray]:
    missing = sum(a is None for a in arrays)
    if missing == len(arrays):
        return None
    if missing:
        raise ValueError(f'add_sequence: {missing} of {len(arrays)} data '
                         'samples lack this pose (pred_keypoints_3d or '
                         'gt_keypoints_3d); pass draw_pred/draw_gt=False')
    return np.stack(arrays)


def _meta(sample, key):
    if isinstance(sample, dict):
        return sample.get(key)
    return getattr(sample, key, None)


def _frame_name(sample, index: int) -> str:
    frame = _meta(sample, 'frame')
    return str(index if frame is None else frame)


def _sample_title(sample) -> str:
    parts = [f'{k} {_meta(sample, k)}' for k in
             ('subject', 'action', 'camera_id', 'frame')
             if _meta(sample, k) not in (None, '')]
    return ', '.join(parts)
