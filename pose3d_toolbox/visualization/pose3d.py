"""Pictures of 3D pose results: the image with its 2D skeleton beside 3D
views of the prediction over the ground truth, in camera space.

The functional core of :class:`~.visualizer.Pose3dLocalVisualizer`:

- :func:`sample_poses` reads a data sample (a
  :class:`~pose3d_toolbox.structures.PoseDataSample` or its ``to_dict()``)
  into camera-space arrays;
- :func:`sequence_bounds` is the fixed frame of reference of a sequence (the
  box around every pose of every frame), so the axes do not move from frame
  to frame;
- :func:`draw_pose3d` renders one frame to an RGB array;
- :func:`save_animation` writes frames as a GIF or an MP4 (imageio, with
  the ffmpeg binary that imageio-ffmpeg ships; no system ffmpeg).

Drawing reuses :mod:`.skeleton`: the prediction in side colours (left
blue, right red, midline green, :data:`~.skeleton.SIDE_COLORS`), the
ground truth dashed in grey (:data:`GT_COLOR`) under it, axes ``(x, z, -y)``
so people stand upright (:func:`~.skeleton.camera_to_plot`).

Example:
    >>> import numpy as np
    >>> from pose3d_toolbox.visualization import draw_pose3d
    >>> gt = np.random.rand(17, 3) + [0, 0, 5]
    >>> img = draw_pose3d(pred=gt + 0.02, gt=gt, skeleton='h36m')
    >>> img.shape[2], img.dtype
    (3, dtype('uint8'))
"""
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
from matplotlib.lines import Line2D

from pose3d_toolbox.evaluation.functional._utils import as_float_array
from pose3d_toolbox.skeletons import get_skeleton
from .skeleton import (SIDE_COLORS, SkeletonLike, camera_to_plot,
                       draw_skeleton_2d, draw_skeleton_3d, new_figure,
                       set_axes_equal_3d)

#: Colour of the ground truth (slate grey), drawn dashed under the
#: prediction.
GT_COLOR = '#555570'

#: Default 3D views: (title, elevation, azimuth) in degrees. The first is
#: oblique from the camera's side, the second from the person's side (its
#: horizontal axis is the camera's depth, where lifting errors show).
DEFAULT_VIEWS = (('3D, camera side', 12.0, -70.0),
                 ('3D, from the side (depth)', 5.0, 0.0))

View = Tuple[str, float, float]


def _get(sample, key):
    if isinstance(sample, dict):
        return sample.get(key)
    return getattr(sample, key, None) if key in sample else None


def _array(value, name: str, dims: int):
    if value is None:
        return None
    arr = as_float_array(value, name)
    while arr.ndim > 2 and arr.shape[0] == 1:
        arr = arr[0]  # a leading instance axis of one
    if arr.ndim != 2 or arr.shape[1] < dims:
        raise ValueError(f'{name}: expected shape (J, {dims}), got '
                         f'{arr.shape}')
    return arr[:, :dims]


def sample_poses(sample, skeleton: Optional[SkeletonLike] = None) -> Dict:
    """Camera-space arrays of one data sample.

    Reads ``pred_keypoints_3d`` (absolute when ``pred_root`` is set, else
    root-relative and placed at the ground truth's root, so prediction and
    ground truth share a frame; without ground truth it stays at the
    origin), ``gt_keypoints_3d``, the 2D skeleton (``pred_keypoints_2d`` of
    image models, else the ``gt_keypoints_2d`` a lifter read), ``img_path``
    and the image size (``camera['w']``, ``camera['h']``).

    Args:
        sample: a :class:`~pose3d_toolbox.structures.PoseDataSample` or a
            dict with the same keys.
        skeleton: overrides the sample's ``skeleton`` meta key
            (default ``'h36m'``).

    Returns:
        dict with ``pred``, ``gt`` (``(J, 3)`` metres or ``None``),
        ``keypoints_2d`` (``(J, 2)`` or ``None``), ``keypoints_2d_source``
        (``'prediction'``/``'input'``), ``img_path`` (``''`` if none),
        ``image_size`` (``(w, h)`` or ``None``), ``skeleton`` (name or
        :class:`~pose3d_toolbox.skeletons.Skeleton`) and ``root_placed``
        (True when a root-relative prediction was moved to the ground
        truth's root).
    """
    skel = get_skeleton(skeleton or _get(sample, 'skeleton') or 'h36m')
    pred = _array(_get(sample, 'pred_keypoints_3d'), 'pred_keypoints_3d',
                  3)
    gt = _array(_get(sample, 'gt_keypoints_3d'), 'gt_keypoints_3d', 3)
    root_index = _get(sample, 'root_index')
    root_index = skel.root_index if root_index is None else int(root_index)
    root_placed = False
    if pred is not None and _get(sample, 'pred_root') is None and \
            gt is not None:
        pred = pred - pred[root_index] + gt[root_index]
        root_placed = True
    kp2d, source = None, None
    for key, src in (('pred_keypoints_2d', 'prediction'),
                     ('gt_keypoints_2d', 'input')):
        if _get(sample, key) is not None:
            kp2d, source = _array(_get(sample, key), key, 2), src
            break
    camera = _get(sample, 'camera') or {}
    size = (int(camera['w']), int(camera['h'])) if \
        'w' in camera and 'h' in camera else None
    return dict(pred=pred, gt=gt, keypoints_2d=kp2d,
                keypoints_2d_source=source,
                img_path=str(_get(sample, 'img_path') or ''),
                image_size=size, skeleton=skel, root_placed=root_placed)


def sequence_bounds(*poses) -> np.ndarray:
    """The fixed frame of reference of a sequence: ``(2, 3)`` plot
    coordinates (:func:`~.skeleton.camera_to_plot`), the lowest and highest
    corner of the box holding every finite joint of every pose given
    (arrays ``(..., 3)`` in camera space; ``None`` is skipped).
    :func:`~.skeleton.set_axes_equal_3d` on these two corners gives every
    frame the same cubic axes."""
    pts = [camera_to_plot(p).reshape(-1, 3) for p in poses if p is not None]
    if not pts:
        raise ValueError('sequence_bounds: no poses given')
    pts = np.concatenate(pts)
    pts = pts[np.isfinite(pts).all(1)]
    if not len(pts):
        raise ValueError('sequence_bounds: every joint is NaN or infinite')
    return np.stack([pts.min(0), pts.max(0)])


def keypoints_box(*keypoints_2d) -> np.ndarray:
    """``(x0, y0, x1, y1)`` around every finite point of the ``(..., 2)``
    pixel arrays given (``None`` skipped): the 2D panel's fixed view of a
    sequence drawn without its images."""
    pts = [np.asarray(k, np.float64)[..., :2].reshape(-1, 2)
           for k in keypoints_2d if k is not None]
    pts = np.concatenate(pts) if pts else np.zeros((0, 2))
    pts = pts[np.isfinite(pts).all(1)]
    if not len(pts):
        raise ValueError('keypoints_box: no finite 2D keypoints')
    return np.concatenate([pts.min(0), pts.max(0)])


def _show_box(ax, box, image_size, margin: float = 0.15) -> None:
    """Square view of ``box`` (plus ``margin``) on an empty canvas, the
    camera's frame (``image_size``) shaded so its edges show."""
    from matplotlib.patches import Rectangle
    x0, y0, x1, y1 = np.asarray(box, np.float64)
    half = max(x1 - x0, y1 - y0, 1.0) / 2 * (1 + 2 * margin)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ax.set_facecolor('0.8')
    if image_size is not None:
        ax.add_patch(Rectangle((0, 0), *image_size, facecolor='0.95',
                               edgecolor='0.6', zorder=0))
    ax.set_xlim(cx - half, cx + half)
    ax.set_ylim(cy + half, cy - half)


def _legend_handles(has_pred: bool, has_gt: bool):
    handles = []
    if has_pred:
        handles += [Line2D([], [], color=SIDE_COLORS[s], lw=2,
                           label=f'prediction ({s})')
                    for s in ('left', 'right')]
    if has_gt:
        handles.append(Line2D([], [], color=GT_COLOR, lw=1.5, ls='--',
                              label='ground truth'))
    return handles


def draw_pose3d(pred=None, gt=None, skeleton: SkeletonLike = 'h36m',
                image=None, keypoints_2d=None,
                image_size: Optional[Tuple[int, int]] = None,
                box_2d=None, bounds=None,
                views: Sequence[View] = DEFAULT_VIEWS,
                title: Optional[str] = None, keypoints_2d_title: str = '2D',
                panel_size: float = 4.0, dpi: float = 100) -> np.ndarray:
    """Render one frame: the 2D panel (if any) and one panel per 3D view.

    Args:
        pred, gt: ``(J, 3)`` camera-space poses (metres), either may be
            ``None``; the prediction is drawn in side colours over the
            ground truth (grey, dashed).
        skeleton: :class:`~pose3d_toolbox.skeletons.Skeleton` or its name.
        image: ``(H, W, 3)`` RGB image shown in the 2D panel.
        keypoints_2d: ``(J, 2)`` pixels drawn on the image or, without
            one, on an empty canvas zoomed to ``box_2d``.
        image_size: ``(w, h)`` of the camera's frame, shaded on the empty
            canvas.
        box_2d: ``(x0, y0, x1, y1)`` pixels shown without an image
            (:func:`keypoints_box` of a whole sequence keeps it fixed);
            default: around ``keypoints_2d``.
        bounds: the frame of reference, ``(N, 3)`` plot points (e.g.
            :func:`sequence_bounds` of the whole sequence); default: the
            poses of this frame.
        views: ``(title, elev, azim)`` of each 3D panel.
        title: figure title.
        keypoints_2d_title: title of the 2D panel.
        panel_size, dpi: inches per panel and resolution; the picture is
            ``(panel_size * dpi)`` high and that times the panel count
            wide (plus the legend row).

    Returns:
        ``(H, W, 3)`` uint8 RGB.
    """
    if pred is None and gt is None:
        raise ValueError('draw_pose3d: neither a prediction nor a ground '
                         'truth to draw')
    if not views:
        raise ValueError('draw_pose3d: views is empty; give at least one '
                         '(title, elev, azim)')
    skel = get_skeleton(skeleton)
    has_2d = image is not None or keypoints_2d is not None
    ncols = len(views) + int(has_2d)
    fig = new_figure((panel_size * ncols, panel_size + 0.5), dpi)
    grid = fig.add_gridspec(1, ncols, left=0.02, right=0.98, top=0.9,
                            bottom=0.12, wspace=0.08)
    col = 0
    if has_2d:
        ax = fig.add_subplot(grid[0, 0])
        if image is not None:
            ax.imshow(np.asarray(image))
        if keypoints_2d is not None:
            draw_skeleton_2d(ax, keypoints_2d, skel)
        if image is None:
            _show_box(ax, keypoints_box(keypoints_2d) if box_2d is None
                      else box_2d, image_size)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(keypoints_2d_title, fontsize=9)
        col = 1
    if bounds is None:
        bounds = sequence_bounds(pred, gt)
    for view_title, elev, azim in views:
        ax3 = fig.add_subplot(grid[0, col], projection='3d')
        col += 1
        if gt is not None:
            draw_skeleton_3d(ax3, gt, skel, linewidth=1.5, marker_size=5,
                             elev=None, azim=None, labels=False,
                             color=GT_COLOR, linestyle='--', alpha=0.9)
        if pred is not None:
            draw_skeleton_3d(ax3, pred, skel, elev=None, azim=None,
                             labels=False)
        set_axes_equal_3d(ax3, bounds)
        ax3.view_init(elev=elev, azim=azim)
        # An axis seen end-on (|cos| or |sin| of the azimuth near 1) has
        # its ticks piled up: name and number only the other ones.
        edge_on = (abs(np.cos(np.deg2rad(azim))) > 0.97,
                   abs(np.sin(np.deg2rad(azim))) > 0.97)
        for axis, name, hidden in ((ax3.xaxis, 'x (m)', edge_on[0]),
                                   (ax3.yaxis, 'z, depth (m)', edge_on[1]),
                                   (ax3.zaxis, '-y, up (m)', False)):
            axis.set_label_text('' if hidden else name, fontsize=7)
            axis.labelpad = -8
            if hidden:
                axis.set_ticklabels([])
        ax3.tick_params(labelsize=6, pad=-3)
        ax3.set_title(view_title, fontsize=9)
    fig.legend(handles=_legend_handles(pred is not None, gt is not None),
               loc='lower center', ncol=3, fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.canvas.draw()
    return np.ascontiguousarray(
        np.asarray(fig.canvas.buffer_rgba())[..., :3])


def read_image(path: str) -> np.ndarray:
    """``(H, W, 3)`` RGB image of ``path``; a missing or unreadable file is
    an error naming it."""
    import cv2
    img = cv2.imread(str(path), cv2.IMREAD_COLOR) if path else None
    if img is None:
        raise FileNotFoundError(f'read_image: cannot read the image {path!r} '
                                '(img_path of the data sample); check the '
                                "dataset's data_root or pass the image")
    return img[..., ::-1].copy()


def save_image(image: np.ndarray, path: Union[str, Path]) -> Path:
    """Write an RGB uint8 image (PNG/JPEG by suffix); the folder is made."""
    import imageio.v3 as iio
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    iio.imwrite(path, np.asarray(image, np.uint8))
    return path


def _even(frame: np.ndarray) -> np.ndarray:
    """Pad to even height and width (H.264's 4:2:0 needs them) with
    white."""
    h, w = frame.shape[:2]
    return np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)),
                  constant_values=255)


def save_animation(frames: Sequence[np.ndarray], path: Union[str, Path],
                   fps: float = 10.0) -> Path:
    """Write RGB frames as a GIF (looping) or an MP4 (H.264, yuv420p),
    chosen by the suffix of ``path``.

    The MP4 goes through imageio's ffmpeg plugin with the ffmpeg binary of
    the ``imageio-ffmpeg`` package (no system ffmpeg needed); frames of odd
    size are padded by one white row/column.

    Args:
        frames: ``(H, W, 3)`` uint8 arrays, all the same size.
        path: ``*.gif`` or ``*.mp4`` (its folder is made).
        fps: frames per second.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    import imageio.v2 as imageio
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in ('.gif', '.mp4'):
        raise ValueError(f'save_animation: {path} must end in .gif or .mp4')
    frames = [np.asarray(f, np.uint8) for f in frames]
    if not frames:
        raise ValueError(f'save_animation: no frames to write to {path}')
    if len({f.shape for f in frames}) != 1:
        raise ValueError(f'save_animation: frames differ in size: '
                         f'{sorted({f.shape for f in frames})}')
    if fps <= 0:
        raise ValueError(f'save_animation: fps must be positive, got {fps}')
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == '.gif':
        imageio.mimsave(path, frames, format='GIF', duration=1000.0 / fps,
                        loop=0)
        return path
    with imageio.get_writer(path, format='FFMPEG', mode='I', fps=fps,
                            codec='libx264', pixelformat='yuv420p',
                            macro_block_size=1, quality=8) as writer:
        for frame in frames:
            writer.append_data(_even(frame))
    return path
