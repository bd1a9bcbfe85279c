"""One HEMlets sample as a PNG: image and 2D skeleton, the triplet maps
(ground truth above prediction, part by part) and the 3D skeleton from two
views.

Layout of :func:`draw_hemlets` (a :func:`~.skeleton.new_figure`, no pyplot):
the top row holds the crop with its 2D skeleton
(:func:`~.skeleton.draw_skeleton_2d`) and two views of the 3D skeleton
(:func:`~.skeleton.draw_skeleton_3d`: from the camera, and from the side);
below, one column per part ``k`` (titled ``parent>child``): rows ``T_k^s``
of the ground truth (``gt -1``, ``gt 0``, ``gt +1`` for 3 states), then the
same rows of the prediction, on one colour scale (0 to 1, the targets'
peak height), so a child that lands in the wrong map shows as a blob in a
different row.
"""
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from pose3d_toolbox.skeletons import get_skeleton
from .skeleton import SkeletonLike, draw_skeleton_2d, draw_skeleton_3d, \
    new_figure


def _short(name: str) -> str:
    for long, short in (('left_', 'l_'), ('right_', 'r_'),
                        ('shoulder', 'sho'), ('elbow', 'elb'),
                        ('wrist', 'wri'), ('ankle', 'ank'), ('pelvis', 'pel'),
                        ('thorax', 'thx'), ('spine', 'spn'),
                        ('knee', 'kne'), ('_mid', 'M')):
        name = name.replace(long, short)
    return name


def _state_label(s: int) -> str:
    return '0' if s == 0 else f'{s:+d}'


def draw_hemlets(path: Union[str, Path], image, keypoints_2d, triplets_gt,
                 triplets_pred, keypoints_3d,
                 skeleton: SkeletonLike = 'hemlets',
                 keypoints_3d_pred=None,
                 states_gt: Optional[Sequence[int]] = None,
                 states_pred: Optional[Sequence[int]] = None,
                 figsize=(16.0, 9.0), dpi: float = 100) -> Path:
    """Save a HEMlets sample as a PNG of ``figsize * dpi`` pixels.

    Args:
        path: the PNG file (its folder is created).
        image: ``(H, W, 3)`` uint8 crop (the network input).
        keypoints_2d: ``(J, 2)`` joints in ``image`` pixels.
        triplets_gt, triplets_pred: ``(K, S, h, w)`` maps (the codec's
            ``hemlets_triplets`` layout; ``(K*S, h, w)`` accepted).
        keypoints_3d: ``(J, 3)`` camera-frame 3D joints (ground truth).
        skeleton: joints and parts (``'hemlets'``).
        keypoints_3d_pred: optional ``(J, 3)`` prediction, drawn beside the
            ground truth in the 3D views (dashed grey markers).
        states_gt, states_pred: optional ``(K,)`` part states, printed under
            each part's name (``gt/pred``).
        figsize, dpi: figure size (inches) and resolution.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    skel = get_skeleton(skeleton)
    parts = skel.parts
    K = len(parts)
    gt = np.asarray(triplets_gt, np.float32)
    pred = np.asarray(triplets_pred, np.float32)
    for name, maps in (('triplets_gt', gt), ('triplets_pred', pred)):
        if maps.ndim == 3 and maps.shape[0] % K == 0:
            maps = maps.reshape(K, -1, *maps.shape[1:])
        if maps.ndim != 4 or maps.shape[0] != K:
            raise ValueError(f'draw_hemlets: {name} must be (K={K}, S, h, w) '
                             f'for skeleton {skel.name!r}, got '
                             f'{np.shape(maps)}')
        if name == 'triplets_gt':
            gt = maps
        else:
            pred = maps
    if gt.shape != pred.shape:
        raise ValueError(f'draw_hemlets: ground truth {gt.shape} and '
                         f'prediction {pred.shape} triplets differ in shape')
    S = gt.shape[1]
    states = [s - S // 2 for s in range(S)]

    fig = new_figure(tuple(figsize), dpi)
    outer = fig.add_gridspec(2, 1, height_ratios=(1.0, 1.6), hspace=0.12,
                             left=0.04, right=0.99, top=0.97, bottom=0.02)
    top = outer[0].subgridspec(1, 3, wspace=0.1)
    ax = fig.add_subplot(top[0])
    ax.imshow(np.asarray(image))
    draw_skeleton_2d(ax, keypoints_2d, skel)
    ax.set_title('input and 2D skeleton', fontsize=9)
    ax.set_axis_off()
    for i, (title, elev, azim) in enumerate((('3D, camera view', 0, -90),
                                             ('3D, side view', 10, 0))):
        ax3 = fig.add_subplot(top[i + 1], projection='3d')
        if keypoints_3d_pred is not None:
            draw_skeleton_3d(ax3, keypoints_3d_pred, skel, linewidth=1.0,
                             marker_size=4, elev=None, azim=None,
                             labels=False)
            for line in ax3.lines:
                line.set_color('0.6')
                line.set_linestyle('--')
        draw_skeleton_3d(ax3, keypoints_3d, skel, elev=elev, azim=azim,
                         labels=False)
        ax3.set_title(title, fontsize=9)
        ax3.tick_params(labelsize=5)

    grid = outer[1].subgridspec(2 * S, K, wspace=0.05, hspace=0.08)
    for k, (p, c) in enumerate(parts):
        for block, (label, maps) in enumerate((('gt', gt), ('pred', pred))):
            for s in range(S):
                ax = fig.add_subplot(grid[block * S + s, k])
                ax.imshow(maps[k, s], vmin=0.0, vmax=1.0, cmap='magma',
                          interpolation='nearest')
                ax.set_xticks([])
                ax.set_yticks([])
                if k == 0:
                    ax.set_ylabel(f'{label} {_state_label(states[s])}',
                                  fontsize=7)
                if block == 0 and s == 0:
                    title = (f'{_short(skel.joint_names[p])}>'
                             f'{_short(skel.joint_names[c])}')
                    if states_gt is not None and states_pred is not None:
                        title += (f'\n{_state_label(int(states_gt[k]))}/'
                                  f'{_state_label(int(states_pred[k]))}')
                    ax.set_title(title, fontsize=6)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path
