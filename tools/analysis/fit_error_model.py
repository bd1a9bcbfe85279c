"""Fit AbsPoseLifter's 2D error model to 2D predictions.

Reads predictions and ground truth of a 2D pose estimator, fits per joint a
Gaussian + uniform mixture by EM (Algorithm 1 of Chang et al., with the
correct E-step) or a single Gaussian, saves the parameters for the
``SynthesizeKeypoints2D`` transform and one PNG per joint with the x and y
error histograms and both fitted densities (as the paper's Fig. 5).

Inputs (pixels of the images the lifter will see):
    * the ``.pkl`` written by ``tools/test.py CONFIG CKPT --out FILE.pkl``:
      a list of dicts with ``pred_keypoints_2d`` and ``gt_keypoints_2d``
      ``(J, 2)``, or
    * an ``.npz`` with ``pred_keypoints_2d`` and ``gt_keypoints_2d``
      ``(N, J, 2)``.

Example:
    python tools/analysis/fit_error_model.py preds.pkl \
        --out data/h36m/error_models/mixture.npz --plot-dir work_dirs/em
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from pose3d_toolbox.datasets.error_model import (  # noqa: E402
    DEFAULT_UNIFORM_AREA, KINDS, fit_error_model, save_error_model)
from pose3d_toolbox.fileio import load_pickle  # noqa: E402
from pose3d_toolbox.skeletons import get_skeleton  # noqa: E402

KEYS = ('pred_keypoints_2d', 'gt_keypoints_2d')


def load_predictions(path):
    """``(pred, gt)`` arrays ``(N, J, 2)`` from a ``.pkl`` or ``.npz``.

    A ``.pkl`` is read with :func:`pose3d_toolbox.fileio.load_pickle`: one
    that asks for more than plain data (a crafted file) is refused before
    anything in it runs."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such prediction file')
    if path.endswith('.npz'):
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in KEYS if k not in data.files]
            if missing:
                raise KeyError(f'{path} lacks {missing}; it needs '
                               f'{list(KEYS)} of shape (N, J, 2)')
            return tuple(np.asarray(data[k], np.float64)[..., :2]
                         for k in KEYS)
    rows = load_pickle(path)
    if not isinstance(rows, list) or not all(isinstance(r, dict)
                                             for r in rows):
        raise TypeError(f'{path}: expected a list of dicts (the samples '
                        'tools/test.py --out writes), got '
                        f'{type(rows).__name__}')
    missing = [k for k in KEYS if rows and k not in rows[0]]
    if not rows or missing:
        raise KeyError(f'{path}: the samples lack {missing or list(KEYS)}; '
                       'dump a 2D pose estimator\'s test run with '
                       'tools/test.py CONFIG CKPT --out FILE.pkl')
    return tuple(np.stack([np.asarray(r[k], np.float64)[..., :2]
                           for r in rows]) for k in KEYS)


def plot_joint(path, errors, mixture, single, area, title):
    """Histogram of one joint's x and y errors with both fitted marginal
    densities: ``gamma N(mu, sigma^2) + (1 - gamma) / sqrt(v)`` on the
    uniform's support, and the single Gaussian."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    half = np.sqrt(area) / 2
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for axis, ax in enumerate(axes):
        e = errors[:, axis]
        ax.hist(e, bins=np.linspace(-half, half, 101), density=True,
                color='tab:blue', alpha=0.5, label='errors')
        x = np.linspace(-half, half, 801)

        def normal(m, s, x=x):
            return np.exp(-0.5 * ((x - m) / s)**2) / (s * np.sqrt(2 * np.pi))
        g = mixture['gamma']
        ax.plot(x, g * normal(mixture['mu'][axis], mixture['sigma'][axis])
                + (1 - g) / (2 * half), 'k-', label='mixture')
        ax.plot(x, normal(single['mu'][axis], single['sigma'][axis]), 'k:',
                label='single Gaussian')
        ax.set_xlabel(f'error {"xy"[axis]} (px)')
        ax.set_yscale('log')
        ax.set_ylim(1e-5, None)
    axes[0].set_ylabel('density')
    axes[1].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('predictions', help='.pkl from tools/test.py --out, '
                        'or .npz with pred_keypoints_2d/gt_keypoints_2d')
    parser.add_argument('--out', required=True, help='output model (.npz)')
    parser.add_argument('--kind', choices=KINDS, default='mixture')
    parser.add_argument('--uniform-size', type=float,
                        default=np.sqrt(DEFAULT_UNIFORM_AREA),
                        help='side of the uniform square in pixels (v = '
                        'side^2; default 100)')
    parser.add_argument('--plot-dir', help='write one PNG per joint here')
    parser.add_argument('--skeleton', default='h36m',
                        help='skeleton name, for joint names in the output')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    pred, gt = load_predictions(args.predictions)
    area = args.uniform_size**2
    model = fit_error_model(pred, gt, kind=args.kind, area=area)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    save_error_model(args.out, model)
    names = get_skeleton(args.skeleton).joint_names
    if len(names) != pred.shape[1]:
        names = [f'joint_{j}' for j in range(pred.shape[1])]
    mixture = (model if args.kind == 'mixture' else
               fit_error_model(pred, gt, 'mixture', area))
    single = (model if args.kind == 'gaussian' else
              fit_error_model(pred, gt, 'gaussian', area))
    print(f'{len(pred)} samples, {pred.shape[1]} joints, uniform area '
          f'{area:.0f} px^2; saved the {args.kind} model to {args.out}')
    print(f'{"joint":<14}{"gamma":>7}{"mu_x":>8}{"mu_y":>8}{"sig_x":>8}'
          f'{"sig_y":>8}  |  single sig_x  sig_y   NLL mix / single')
    for j, name in enumerate(names):
        print(f'{name:<14}{mixture["gamma"][j]:7.3f}'
              f'{mixture["mu"][j, 0]:8.2f}{mixture["mu"][j, 1]:8.2f}'
              f'{mixture["sigma"][j, 0]:8.2f}{mixture["sigma"][j, 1]:8.2f}'
              f'  |  {single["sigma"][j, 0]:12.2f}{single["sigma"][j, 1]:7.2f}'
              f'   {mixture["nll"][j]:6.3f} / {single["nll"][j]:6.3f}')
    if args.plot_dir:
        os.makedirs(args.plot_dir, exist_ok=True)
        errors = pred - gt
        for j, name in enumerate(names):
            plot_joint(osp.join(args.plot_dir, f'{j:02d}_{name}.png'),
                       errors[:, j],
                       {k: mixture[k][j] for k in ('mu', 'sigma', 'gamma')},
                       {k: single[k][j] for k in ('mu', 'sigma')}, area,
                       f'{name}: gamma={mixture["gamma"][j]:.2f}')
        print(f'plots: {args.plot_dir}')


if __name__ == '__main__':
    main()
