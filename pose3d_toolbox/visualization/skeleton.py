"""Skeleton drawing with matplotlib: 2D on images or axes, 3D in camera space.

Plain functions, no global state: figures are made with
:func:`new_figure`, a :class:`matplotlib.figure.Figure` on an Agg canvas
(no ``pyplot``, no display, whatever the session's backend).

Colours follow the joint names of the skeleton
(:func:`pose3d_toolbox.skeletons.get_skeleton`): a bone takes the side of its
child joint, ``left_*`` / ``l_*`` joints are blue, ``right_*`` / ``r_*``
joints red and the midline green (:data:`SIDE_COLORS`); the capsule renderer
colours the left limbs bluish and the right ones reddish too.

3D poses are in camera coordinates (x right, y down, z forward) and are
shown upright: the plot's axes are ``(x, z, -y)``, so the plot's up is the
camera's -y and its depth axis the camera's z (a rotation of the camera
frame, not a mirror, so left and right are kept).

Example:
    >>> import numpy as np
    >>> from pose3d_toolbox.visualization import (draw_skeleton_2d,
    ...     draw_skeleton_3d, new_figure)
    >>> kp3d = np.random.rand(17, 3) + [0, 0, 5]
    >>> fig = new_figure((8, 4))
    >>> ax2d = fig.add_subplot(1, 2, 1)
    >>> ax3d = fig.add_subplot(1, 2, 2, projection='3d')
    >>> _ = draw_skeleton_2d(ax2d, kp3d[:, :2] * 100, 'h36m')
    >>> _ = draw_skeleton_3d(ax3d, kp3d, 'h36m')
    >>> len(ax3d.lines)
    16
    >>> fig.savefig('/tmp/skeleton.png')  # doctest: +SKIP
"""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pose3d_toolbox.skeletons import Skeleton, get_skeleton

#: Colour of each side's joints and bones.
SIDE_COLORS = dict(left='#1f6fe0', right='#e0301e', centre='#22a02c')

SkeletonLike = Union[str, Skeleton]


def joint_side(name: str) -> str:
    """``'left'``, ``'right'`` or ``'centre'`` from a joint name."""
    for side, prefixes in (('left', ('left_', 'l_')),
                           ('right', ('right_', 'r_'))):
        if name.startswith(prefixes):
            return side
    return 'centre'


def bone_sides(skeleton: SkeletonLike) -> List[str]:
    """Side of every bone of :attr:`Skeleton.bones` (its child's side)."""
    skel = get_skeleton(skeleton)
    return [joint_side(skel.joint_names[c]) for c, _ in skel.bones]


def joint_colors(skeleton: SkeletonLike) -> List[str]:
    """Colour of every joint, from :data:`SIDE_COLORS`."""
    skel = get_skeleton(skeleton)
    return [SIDE_COLORS[joint_side(n)] for n in skel.joint_names]


def new_figure(figsize: Tuple[float, float] = (6.4, 4.8),
               dpi: float = 100) -> Figure:
    """A figure on its own Agg canvas (``fig.savefig`` works, nothing is
    shown, pyplot's figure list is untouched)."""
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def _points(points, dims: int, skel: Skeleton, what: str) -> np.ndarray:
    pts = np.asarray(points, np.float64)
    if pts.ndim == 3 and pts.shape[0] == 1:
        pts = pts[0]
    if pts.ndim != 2 or pts.shape[0] != skel.num_joints or \
            pts.shape[1] < dims:
        raise ValueError(f'{what}: expected ({skel.num_joints}, {dims}) '
                         f'points for skeleton {skel.name!r}, got shape '
                         f'{np.shape(points)}')
    return pts[:, :dims]


def _outline(width: float):
    return [patheffects.withStroke(linewidth=width + 1.5, foreground='white',
                                   alpha=0.8)]


def draw_skeleton_2d(ax_or_image, keypoints_2d, skeleton: SkeletonLike,
                     visibility: Optional[Sequence[float]] = None,
                     vis_thr: float = 0.5, linewidth: float = 2.0,
                     marker_size: float = 12.0):
    """Draw a 2D skeleton in pixel coordinates.

    Args:
        ax_or_image: a 2D :class:`~matplotlib.axes.Axes` (drawn on; its y
            axis is inverted if it is not already, pixel y pointing down,
            and its aspect set equal) or an ``(H, W, 3)`` / ``(H, W)``
            image (left untouched).
        keypoints_2d: ``(J, 2)`` pixels (``(J, >2)`` and ``(1, J, 2)`` are
            accepted: extra columns / the leading 1 are dropped).
        skeleton: :class:`Skeleton` or its name.
        visibility: optional ``(J,)`` scores; joints below ``vis_thr`` are
            drawn as hollow markers and their bones dashed.
        linewidth, marker_size: line width (points) and marker area
            (points^2).

    Returns:
        The axes (one line per bone in ``ax.lines``, in
        :attr:`Skeleton.bones` order, and one marker collection per
        visibility state) or, for an image, a new ``(H, W, 3)`` uint8 image
        with the skeleton drawn.
    """
    skel = get_skeleton(skeleton)
    kp = _points(keypoints_2d, 2, skel, 'draw_skeleton_2d')
    if not isinstance(ax_or_image, Axes):
        return _draw_on_image(ax_or_image, kp, skel, visibility, vis_thr,
                              linewidth, marker_size)
    ax = ax_or_image
    if visibility is None:
        visible = np.ones(skel.num_joints, bool)
    else:
        vis = np.asarray(visibility, np.float64).reshape(-1)
        if vis.shape != (skel.num_joints, ):
            raise ValueError(f'draw_skeleton_2d: visibility has shape '
                             f'{np.shape(visibility)}, expected '
                             f'({skel.num_joints},)')
        visible = vis >= vis_thr
    for (c, p), side in zip(skel.bones, bone_sides(skel)):
        ax.plot(kp[[p, c], 0], kp[[p, c], 1], color=SIDE_COLORS[side],
                linewidth=linewidth,
                linestyle='-' if visible[c] and visible[p] else '--',
                solid_capstyle='round', path_effects=_outline(linewidth),
                zorder=2)
    colors = np.array(joint_colors(skel))
    for state in (True, False):
        sel = visible == state
        if not sel.any():
            continue
        ax.scatter(kp[sel, 0], kp[sel, 1], s=marker_size,
                   facecolors=colors[sel] if state else 'none',
                   edgecolors=colors[sel] if not state else 'white',
                   linewidths=0.8 if state else 1.5, zorder=3)
    if not ax.yaxis_inverted():
        ax.invert_yaxis()
    ax.set_aspect('equal')
    return ax


def _draw_on_image(image, kp, skel, visibility, vis_thr, linewidth,
                   marker_size) -> np.ndarray:
    img = np.asarray(image)
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in
                                  (3, 4)):
        raise ValueError(f'draw_skeleton_2d: expected an Axes or an (H, W, '
                         f'3) image, got {type(image).__name__} of shape '
                         f'{np.shape(image)}')
    H, W = img.shape[:2]
    dpi = 100
    fig = new_figure((W / dpi, H / dpi), dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(img, cmap='gray' if img.ndim == 2 else None,
              interpolation='nearest')
    draw_skeleton_2d(ax, kp, skel, visibility, vis_thr, linewidth,
                     marker_size)
    ax.set_xlim(-0.5, W - 0.5)
    ax.set_ylim(H - 0.5, -0.5)
    ax.set_axis_off()
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    return np.ascontiguousarray(rgba[:H, :W, :3])


def camera_to_plot(keypoints_3d) -> np.ndarray:
    """Camera coordinates ``(..., 3)`` -> plot coordinates ``(x, z, -y)``
    (the plot's third axis is up)."""
    pts = np.asarray(keypoints_3d, np.float64)
    return np.stack([pts[..., 0], pts[..., 2], -pts[..., 1]], -1)


def set_axes_equal_3d(ax, points, margin: float = 0.1,
                      min_half: float = 0.1) -> None:
    """Cube limits around ``(N, 3)`` plot points and a cubic box, so metres
    are equal along the three axes."""
    pts = np.asarray(points, np.float64).reshape(-1, 3)
    pts = pts[np.isfinite(pts).all(1)]
    if not len(pts):
        return
    lo, hi = pts.min(0), pts.max(0)
    centre = (lo + hi) / 2
    half = max(float((hi - lo).max()) / 2 * (1 + margin), min_half)
    ax.set_xlim(centre[0] - half, centre[0] + half)
    ax.set_ylim(centre[1] - half, centre[1] + half)
    ax.set_zlim(centre[2] - half, centre[2] + half)
    ax.set_box_aspect((1, 1, 1))


def draw_skeleton_3d(ax, keypoints_3d, skeleton: SkeletonLike,
                     linewidth: float = 2.0, marker_size: float = 10.0,
                     elev: Optional[float] = 12.0,
                     azim: Optional[float] = -75.0, labels: bool = True,
                     color: Optional[str] = None, linestyle: str = '-',
                     alpha: float = 1.0):
    """Draw a camera-space 3D skeleton upright with equal axes.

    Args:
        ax: a 3D axes (``fig.add_subplot(..., projection='3d')``).
        keypoints_3d: ``(J, 3)`` camera coordinates (``(1, J, 3)``
            accepted); any unit.
        skeleton: :class:`Skeleton` or its name.
        elev, azim: view angles (degrees) set on ``ax``; ``None`` keeps the
            axes' view. ``elev=0, azim=-90`` looks from the camera.
        labels: name the axes.
        color, linestyle, alpha: one colour for every bone and joint
            instead of the side colours (e.g. a grey ground truth under a
            prediction), the bones' line style and the opacity.

    Returns:
        ``ax``, with one line per bone in ``ax.lines``
        (:attr:`Skeleton.bones` order).
    """
    if not hasattr(ax, 'set_zlim'):
        raise TypeError('draw_skeleton_3d: ax must be a 3D axes, made with '
                        "projection='3d'")
    skel = get_skeleton(skeleton)
    pts = camera_to_plot(_points(keypoints_3d, 3, skel, 'draw_skeleton_3d'))
    for (c, p), side in zip(skel.bones, bone_sides(skel)):
        seg = pts[[p, c]]
        ax.plot(seg[:, 0], seg[:, 1], seg[:, 2],
                color=color or SIDE_COLORS[side], linewidth=linewidth,
                linestyle=linestyle, alpha=alpha, solid_capstyle='round')
    ax.scatter(pts[:, 0], pts[:, 1], pts[:, 2], s=marker_size,
               c=[color] * len(pts) if color else joint_colors(skel),
               alpha=alpha, depthshade=False)
    set_axes_equal_3d(ax, pts)
    if elev is not None or azim is not None:
        ax.view_init(elev=elev if elev is not None else ax.elev,
                     azim=azim if azim is not None else ax.azim)
    if labels:
        ax.set_xlabel('x')
        ax.set_ylabel('z (depth)')
        ax.set_zlabel('-y (up)')
    return ax
