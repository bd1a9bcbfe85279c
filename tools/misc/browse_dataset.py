"""Save pictures of a config's dataset samples, to check the data by eye.

``python tools/misc/browse_dataset.py CONFIG [--output-dir DIR] [--num N]
[--split train|val|test] [--cfg-options ...]``

The dataset is built without its pipeline and read through
``get_data_info``, so the pictures show the data as the dataset makes it,
before any transform or packing. Each PNG shows the image crop with its 2D
skeleton when the sample has an ``img`` (e.g. ``CMUMocapImageDataset``),
otherwise the 2D skeleton on a blank canvas of the camera's image size, and
the 3D skeleton in camera space (upright, equal axes); the title names the
subject, action, frame and camera. Samples are spread over the dataset's
videos (so over takes, cameras and frames).
"""
import argparse
import os
import os.path as osp
import re
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

import numpy as np  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from pose3d_toolbox.apis.runner import (add_cfg_options_arg,  # noqa: E402
                                        apply_cfg_options)
from pose3d_toolbox.registry import DATASETS  # noqa: E402
from pose3d_toolbox.visualization import (draw_skeleton_2d,  # noqa: E402
                                          draw_skeleton_3d, new_figure)

SPLITS = ('train', 'val', 'test')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Save pictures of dataset samples (2D + 3D skeletons)')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--output-dir', default='browse_dataset',
                        help='folder for the PNGs (created)')
    parser.add_argument('--num', type=int, default=8,
                        help='number of samples to draw')
    parser.add_argument('--split', default='train', choices=SPLITS,
                        help='which dataloader\'s dataset to browse')
    add_cfg_options_arg(parser)
    return parser.parse_args(argv)


def _without_pipeline(cfg):
    """Copy of a dataset config (or wrapper) with every pipeline emptied."""
    cfg = cfg.copy()
    if 'pipeline' in cfg:
        cfg['pipeline'] = []
    if isinstance(cfg.get('dataset'), dict):
        cfg['dataset'] = _without_pipeline(cfg['dataset'])
    if isinstance(cfg.get('datasets'), (list, tuple)):
        cfg['datasets'] = [_without_pipeline(d) for d in cfg['datasets']]
    return cfg


def build_raw_dataset(cfg: Config, split: str):
    """The ``{split}_dataloader`` dataset of ``cfg`` without its pipeline."""
    key = f'{split}_dataloader'
    if cfg.get(key) is None or cfg[key].get('dataset') is None:
        raise KeyError(f'browse_dataset: the config has no {key}.dataset')
    init_default_scope(cfg.get('default_scope', 'pose3d_toolbox'))
    return DATASETS.build(_without_pipeline(cfg[key]['dataset']))


def _spread(n: int, k: int) -> np.ndarray:
    """``min(k, n)`` distinct indices spread evenly over ``range(n)``."""
    k = min(k, n)
    return np.unique(np.round(np.linspace(0, n - 1, k)).astype(np.int64)) \
        if k > 1 else np.zeros(k, np.int64)


def pick_indices(dataset, num: int):
    """``num`` sample indices spread over the dataset.

    For a lifting dataset (a ``targets`` table of ``(video, frame)``) with
    at least ``num`` videos, one sample from each of ``num`` evenly spaced
    videos, at a different relative position in each (golden-ratio steps),
    so motion, take and camera vary; otherwise evenly spaced indices.
    """
    n = len(dataset)
    if num <= 0 or n == 0:
        return []
    targets = getattr(dataset, 'targets', None)
    if targets is not None and len(targets) == n:
        videos = np.asarray(targets)[:, 0]
        uniq = np.unique(videos)
        if len(uniq) >= num:
            picks = []
            for k, v in enumerate(uniq[_spread(len(uniq), num)]):
                rows = np.flatnonzero(videos == v)
                frac = (0.5 + k * 0.6180339887) % 1.0
                picks.append(int(rows[int(frac * len(rows))]))
            return picks
    return [int(i) for i in _spread(n, num)]


def _frame_of(arr, t):
    arr = np.asarray(arr)
    return arr[t] if arr.ndim == 3 else arr


def sample_title(info: dict) -> str:
    return (f"subject {info.get('subject', '?')} | action "
            f"{info.get('action', '?')} | frame {info.get('frame', '?')} | "
            f"camera {info.get('camera_id', '?')}")


def draw_sample(info: dict, skeleton=None):
    """Figure of one sample dict: 2D (crop or blank canvas) and 3D."""
    skeleton = skeleton or info.get('skeleton', 'h36m')
    t = int(info.get('target_index', 0))
    vis = info.get('visibility')
    if vis is not None:
        vis = np.asarray(vis)
        vis = vis[t] if vis.ndim == 2 else vis
    fig = new_figure((11, 5.5), dpi=100)
    ax2d = fig.add_subplot(1, 2, 1)
    ax3d = fig.add_subplot(1, 2, 2, projection='3d')
    if info.get('img') is not None:
        img = np.asarray(info['img'])
        ax2d.imshow(img, interpolation='nearest')
        kp2d = info.get('keypoints_2d_crop')
        if kp2d is None:  # an image dataset without crop keypoints
            kp2d = _frame_of(info['keypoints_2d'], t)
        ax2d.set_title(f'image {img.shape[1]}x{img.shape[0]}', fontsize=9)
    else:
        kp2d = _frame_of(info['keypoints_2d'], t)
        camera = info.get('camera') or {}
        w, h = camera.get('w'), camera.get('h')
        if not w or not h:  # no image size: the keypoints' box, padded
            hi = np.asarray(kp2d)[:, :2].max(0)
            w, h = (float(v) * 1.1 + 1 for v in hi)
        ax2d.set_facecolor('white')
        ax2d.set_xlim(0, w)
        ax2d.set_ylim(h, 0)
        ax2d.set_title(f'2D on a blank {int(w)}x{int(h)} camera image',
                       fontsize=9)
    draw_skeleton_2d(ax2d, np.asarray(kp2d)[:, :2], skeleton, vis)
    ax2d.tick_params(labelsize=7)
    draw_skeleton_3d(ax3d, _frame_of(info['keypoints_3d'], t), skeleton)
    ax3d.set_title('3D, camera space (metres)', fontsize=9)
    ax3d.tick_params(labelsize=6)
    fig.suptitle(sample_title(info), fontsize=11)
    return fig


def _slug(text) -> str:
    return re.sub(r'[^A-Za-z0-9]+', '-', str(text)).strip('-')[:40] or 'x'


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    apply_cfg_options(cfg, args.cfg_options, args.config)
    dataset = build_raw_dataset(cfg, args.split)
    get = getattr(dataset, 'get_data_info', dataset.__getitem__)
    os.makedirs(args.output_dir, exist_ok=True)
    indices = pick_indices(dataset, args.num)
    print(f'{type(dataset).__name__}: {len(dataset)} samples; drawing '
          f'{len(indices)} into {args.output_dir}')
    for k, idx in enumerate(indices):
        info = get(idx)
        fig = draw_sample(info)
        parts = [_slug(info.get(key)) for key in ('subject', 'action',
                                                  'camera_id')]
        name = (f'{k:03d}_idx{idx}_{parts[0]}_{parts[1]}_cam{parts[2]}_'
                f'f{info.get("frame", 0)}.png')
        path = osp.join(args.output_dir, name)
        fig.savefig(path)
        print(path)


if __name__ == '__main__':
    main()
