"""An interactive, offline viewer of a 3D pose sequence: one HTML file.

:func:`save_html_viewer` writes a plotly figure with plotly.js embedded
(``include_plotlyjs=True``, about 4.7 MB, no network needed): drag to rotate
the 3D skeletons, scroll to zoom, the slider (or Play) moves through the
frames, and a click on ``prediction`` or ``ground truth`` in the legend
hides or shows it.

Conventions are those of :mod:`.skeleton`: plot axes ``(x, z, -y)`` of
camera space (upright people), the prediction in side colours (left blue,
right red, midline green, one trace per side, grouped in the legend as
``prediction``), the ground truth dashed grey (``ground truth``); the axes
are fixed over the whole sequence (:func:`~.pose3d.sequence_bounds`), a
cube, so the camera-space frame of reference does not move.
"""
from pathlib import Path
from typing import List, Optional, Sequence, Union

import numpy as np

from pose3d_toolbox.skeletons import get_skeleton
from .pose3d import GT_COLOR, sequence_bounds
from .skeleton import SIDE_COLORS, SkeletonLike, bone_sides, camera_to_plot

#: Trace order within every frame: three prediction sides, then the ground
#: truth.
SIDES = ('left', 'right', 'centre')


def _sequence(poses, name: str, num_joints: int) -> Optional[np.ndarray]:
    if poses is None:
        return None
    arr = np.asarray(poses, np.float64)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1:] != (num_joints, 3):
        raise ValueError(f'save_html_viewer: {name} must be (T, {num_joints}'
                         f', 3) camera-space joints, got {np.shape(poses)}')
    return arr


def _segments(pts: np.ndarray, bones) -> List[np.ndarray]:
    """x, y, z of the bones as one polyline broken by NaN (plotly draws no
    line through a missing point)."""
    if not bones:
        return [np.zeros(0)] * 3
    out = np.full((len(bones) * 3, 3), np.nan)
    for i, (c, p) in enumerate(bones):
        out[3 * i] = pts[p]
        out[3 * i + 1] = pts[c]
    return [np.round(out[:, k], 4) for k in range(3)]


def frame_traces(pred: Optional[np.ndarray], gt: Optional[np.ndarray],
                 skeleton: SkeletonLike) -> list:
    """The plotly ``Scatter3d`` traces of one frame (``(J, 3)`` camera
    space): one per side of the prediction, then the ground truth."""
    import plotly.graph_objects as go
    skel = get_skeleton(skeleton)
    sides = bone_sides(skel)
    traces = []
    if pred is not None:
        pts = camera_to_plot(pred)
        for i, side in enumerate(SIDES):
            bones = [b for b, s in zip(skel.bones, sides) if s == side]
            x, y, z = _segments(pts, bones)
            traces.append(go.Scatter3d(
                x=x, y=y, z=z, mode='lines+markers',
                name='prediction', legendgroup='prediction',
                showlegend=i == 0, connectgaps=False,
                line=dict(color=SIDE_COLORS[side], width=7),
                marker=dict(color=SIDE_COLORS[side], size=3)))
    if gt is not None:
        x, y, z = _segments(camera_to_plot(gt), skel.bones)
        traces.append(go.Scatter3d(
            x=x, y=y, z=z, mode='lines+markers', name='ground truth',
            legendgroup='ground truth', connectgaps=False,
            line=dict(color=GT_COLOR, width=4, dash='dash'),
            marker=dict(color=GT_COLOR, size=2)))
    return traces


def viewer_figure(pred=None, gt=None, skeleton: SkeletonLike = 'h36m',
                  fps: float = 10.0, title: Optional[str] = None,
                  frame_names: Optional[Sequence[str]] = None):
    """The plotly figure of :func:`save_html_viewer` (arguments there)."""
    import plotly.graph_objects as go
    skel = get_skeleton(skeleton)
    pred = _sequence(pred, 'pred', skel.num_joints)
    gt = _sequence(gt, 'gt', skel.num_joints)
    if pred is None and gt is None:
        raise ValueError('save_html_viewer: neither a prediction nor a '
                         'ground truth to show')
    lengths = {len(a) for a in (pred, gt) if a is not None}
    if len(lengths) != 1:
        raise ValueError(f'save_html_viewer: pred and gt have different '
                         f'frame counts {sorted(lengths)}')
    num_frames = lengths.pop()
    names = [str(n) for n in frame_names] if frame_names is not None else \
        [str(t) for t in range(num_frames)]
    if len(names) != num_frames:
        raise ValueError(f'save_html_viewer: {len(names)} frame names for '
                         f'{num_frames} frames')
    lo, hi = sequence_bounds(pred, gt)
    centre, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2 * 1.1, 0.1)
    axes = [dict(range=[c - half, c + half], autorange=False,
                 title=dict(text=t)) for c, t in
            zip(centre, ('x (m)', 'z, depth (m)', '-y, up (m)'))]
    frames = [go.Frame(name=names[t], data=frame_traces(
        None if pred is None else pred[t], None if gt is None else gt[t],
        skel)) for t in range(num_frames)]
    duration = 1000.0 / fps
    play = dict(frame=dict(duration=duration, redraw=True),
                transition=dict(duration=0), fromcurrent=True,
                mode='immediate')
    still = dict(frame=dict(duration=0, redraw=True),
                 transition=dict(duration=0), mode='immediate')
    slider = dict(
        active=0, currentvalue=dict(prefix='frame '), x=0.12, len=0.88,
        y=0, yanchor='top', pad=dict(t=50, b=10),
        steps=[dict(label=n, method='animate', args=[[n], still])
               for n in names])
    buttons = dict(type='buttons', direction='left', x=0.12, y=0,
                   xanchor='right', yanchor='top', pad=dict(t=87, r=10),
                   buttons=[dict(label='Play', method='animate',
                                 args=[None, play]),
                            dict(label='Pause', method='animate',
                                 args=[[None], still])])
    fig = go.Figure(data=frames[0].data, frames=frames)
    fig.update_layout(
        title=title or f'{skel.name}: {num_frames} frame(s)',
        scene=dict(xaxis=axes[0], yaxis=axes[1], zaxis=axes[2],
                   aspectmode='cube',
                   camera=dict(up=dict(x=0, y=0, z=1),
                               eye=dict(x=-0.6, y=-1.8, z=0.5))),
        sliders=[slider], updatemenus=[buttons],
        legend=dict(itemclick='toggle', itemdoubleclick='toggleothers'),
        margin=dict(l=0, r=0, t=40, b=90), uirevision='keep')
    return fig


def save_html_viewer(path: Union[str, Path], pred=None, gt=None,
                     skeleton: SkeletonLike = 'h36m', fps: float = 10.0,
                     title: Optional[str] = None,
                     frame_names: Optional[Sequence[str]] = None) -> Path:
    """Write a self-contained HTML viewer of a 3D pose sequence.

    Args:
        path: the ``.html`` file (its folder is made).
        pred, gt: ``(T, J, 3)`` (or one ``(J, 3)`` pose) camera-space
            joints, metres; either may be ``None``.
        skeleton: :class:`~pose3d_toolbox.skeletons.Skeleton` or its name.
        fps: playback speed of the Play button.
        title: page title (default: skeleton and frame count).
        frame_names: slider labels (default ``0 .. T-1``).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    if path.suffix.lower() not in ('.html', '.htm'):
        raise ValueError(f'save_html_viewer: {path} must end in .html')
    fig = viewer_figure(pred, gt, skeleton, fps, title, frame_names)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(str(path), include_plotlyjs=True, full_html=True,
                   auto_play=False, config=dict(displaylogo=False))
    return path
