"""Reproduce AbsPoseLifter's findings on the embedded CMU data.

Trains, at one equal budget (the same number of updates and batch size),
on ground-truth 2D from random camera rigs (focal lengths 900-1600 px) and
tests on other random rigs of the test subjects:

* SimpleBaseline (``configs/simplebaseline3d_cmu.py``: the residual network
  on screen-normalised 2D, root-relative output);
* AbsPoseLifter (``configs/abslifter_cmu.py``) and its Table 1 variants: no
  location/scale, + location, + scale, + location & scale (the full model);
* the full model regressing absolute root depth instead of the canonical
  depth (Table 5's "w/o canonical loss");
* Table 3's closed-form weak-perspective root, from the 2D input and the
  full model's root-relative pose.

Every row is its config run through the Runner (``train_and_test``: what
``tools/train.py`` and ``tools/test.py`` do, the configs' batch data path,
flips and metrics) with overrides: random rigs for both splits (test rigs
seeded 1), every ``--train-step``-th / ``--test-step``-th frame,
``--iters`` updates of ``--batch-size`` at the config's optimiser and a
constant learning rate (``train_cfg=dict(by_epoch=False, max_iters=...)``,
``param_scheduler=[]``). Prints one table (mm) and the ratios the paper's
claims are about.

Example:
    python tools/analysis/benchmark_abslifter.py                # ~20 min
    python tools/analysis/benchmark_abslifter.py --iters 300 --test-step 16
"""
import argparse
import os.path as osp
import sys
import tempfile
import time

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402

from pose3d_toolbox.apis.runner import (add_cfg_options_arg,  # noqa: E402
                                        apply_cfg_options, train_and_test)
from pose3d_toolbox.evaluation.functional import mrpe  # noqa: E402
from pose3d_toolbox.utils import weak_perspective_root  # noqa: E402

ROOT = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..')
ABS = osp.join(ROOT, 'configs', 'abslifter_cmu.py')
SIMPLE = osp.join(ROOT, 'configs', 'simplebaseline3d_cmu.py')
FULL = '+ location & scale (full)'
CLOSED = 'closed-form root (Table 3) on the full model'

# name -> (config, overrides of model.backbone.input_layer, codec depth)
ROWS = {
    'SimpleBaseline': (SIMPLE, {}, None),
    'AbsPoseLifter, no location/scale': (
        ABS, dict(use_location=False, use_scale=False), None),
    '+ location': (ABS, dict(use_scale=False), None),
    '+ scale': (ABS, dict(use_location=False), None),
    FULL: (ABS, {}, None),
    'full, absolute depth (no canonical loss)': (ABS, {}, 'absolute'),
}


def row_config(name, args, seed, work_dir):
    """The row's config: its input layer and depth target, random rigs,
    the benchmark's budget."""
    path, layer, depth = ROWS[name]
    cfg = Config.fromfile(path)
    if layer:
        cfg.model.backbone.input_layer.update(layer)
    codecs = [cfg.model.head.codec] + [
        t.codec for split in ('train', 'test')
        for t in cfg[f'{split}_dataloader'].dataset.pipeline if 'codec' in t]
    for codec in codecs:
        if depth is not None:
            codec.depth = depth
    for split, step, rig_seed in (('train', args.train_step, 0),
                                  ('test', args.test_step, 1)):
        cfg[f'{split}_dataloader'].dataset.update(
            rig='random', visibility=False, step=step, seed=rig_seed)
    cfg.train_dataloader.batch_size = args.batch_size
    cfg.train_cfg = dict(by_epoch=False, max_iters=args.iters,
                         val_interval=args.iters + 1)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.param_scheduler = []
    cfg.randomness = dict(seed=seed)
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger.interval = max(args.iters // 4, 1)
    cfg.log_processor.by_epoch = False
    cfg.log_level = 'WARNING'
    cfg.work_dir = work_dir
    apply_cfg_options(cfg, args.cfg_options, path)
    return cfg


def closed_form_root(preds):
    """MRPE of the weak-perspective root from each test input and the
    model's root-relative prediction."""
    est, gt = [], []
    for s in preds:
        cam = s.metainfo['camera']
        c = np.asarray(cam['c'], np.float64).reshape(2)
        rel = np.asarray(s.pred_keypoints_3d, np.float64)
        kp2d = np.asarray(s.gt_keypoints_2d, np.float64) - c
        est.append(weak_perspective_root(kp2d[None], (rel - rel[0])[None],
                                         np.asarray(cam['f']).reshape(2))[0])
        gt.append(np.asarray(s.gt_keypoints_3d)[0])
    return mrpe(np.stack(est), np.stack(gt))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--iters', type=int, default=1500,
                        help='updates per row')
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--train-step', type=int, default=4,
                        help='use every n-th training frame (30 fps data)')
    parser.add_argument('--test-step', type=int, default=4)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0],
                        help='train every row once per seed; the table '
                        'shows means (and the standard deviation of MPJPE '
                        'and MRPE across seeds)')
    parser.add_argument('--rows', nargs='+', default=list(ROWS),
                        choices=list(ROWS))
    add_cfg_options_arg(parser, default={}, note='applied to every row '
                        "after the benchmark's own settings; ")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    results, spread, start_all = {}, {}, time.time()
    for name in args.rows:
        runs = []
        for seed in args.seeds:
            with tempfile.TemporaryDirectory() as work_dir:
                run = train_and_test(row_config(name, args, seed, work_dir))
            metrics = dict(run['metrics'], seconds=run['train_seconds'])
            n_train, n_test = run['train_samples'], len(run['predictions'])
            if name == FULL:
                metrics.update({f'closed/{k}': v for k, v in
                                closed_form_root(run['predictions']).items()})
            runs.append(metrics)
        metrics = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
        spread[name] = {k: float(np.std([r[k] for r in runs]))
                        for k in runs[0]}
        results[name] = {k: v for k, v in metrics.items()
                         if not k.startswith('closed/')}
        if name == FULL:
            results[CLOSED] = dict(mpjpe=metrics['mpjpe'], **{
                k[7:]: v for k, v in metrics.items()
                if k.startswith('closed/')})
        print(f'[{name}] ' + ', '.join(f'{k} {v:.1f}' for k, v in
                                       metrics.items()), flush=True)

    print(f'\nAbsPoseLifter on the embedded CMU data: ground-truth 2D, random '
          f'camera rigs (f 900-1600 px), {n_train} training samples (every '
          f'{args.train_step}th frame, random flips for configs that flip), '
          f'{n_test} test samples (test subjects, other rigs). Budget per '
          f'row: {args.iters} updates x batch {args.batch_size}, each '
          f'config\'s optimiser at a constant learning rate, through the '
          f'Runner; mean of seeds {args.seeds}. Errors in mm.')
    cols = ('mpjpe', 'p-mpjpe', 'mrpe', 'mrpe_x', 'mrpe_y', 'mrpe_z')
    print(f'| {"row":<44} |' + ''.join(f' {c:>8} |' for c in cols)
          + '  train s |')
    print('|' + '-' * 46 + '|' + '----------|' * (len(cols) + 1))
    order = [n for n in ROWS if n in results]
    if CLOSED in results:
        order.insert(order.index(FULL) + 1, CLOSED)
    for name in order:
        m = results[name]
        print(f'| {name:<44} |' + ''.join(
            f' {m[c]:8.1f} |' if c in m else f' {"-":>8} |' for c in cols)
            + (f' {m["seconds"]:8.0f} |' if 'seconds' in m else
               f' {"-":>8} |')
            + (f' std mpjpe {spread[name]["mpjpe"]:.1f}' + (
                f', mrpe {spread[name]["mrpe"]:.1f}' if 'mrpe' in m else '')
               if len(args.seeds) > 1 and name in spread else ''))
    full = results.get(FULL)
    if full is not None:
        print()
        none = results.get('AbsPoseLifter, no location/scale')
        if none:
            print(f'MRPE full / no location-scale: '
                  f'{full["mrpe"] / none["mrpe"]:.3f} (paper Table 1: '
                  f'{98.84 / 510.88:.3f}); MPJPE full / no location-scale: '
                  f'{full["mpjpe"] / none["mpjpe"]:.3f} (paper: '
                  f'{38.38 / 44.86:.3f})')
        absolute = results.get('full, absolute depth (no canonical loss)')
        if absolute:
            print(f'MRPE canonical / absolute depth: '
                  f'{full["mrpe"] / absolute["mrpe"]:.3f} (paper Table 5, '
                  f'INF: {217.4 / 260.8:.3f})')
        print(f'MRPE full / closed-form root: '
              f'{full["mrpe"] / results[CLOSED]["mrpe"]:.3f} (paper Table 3: '
              f'{144.24 / 163.96:.3f})')
        simple = results.get('SimpleBaseline')
        if simple:
            print(f'MPJPE full / SimpleBaseline: '
                  f'{full["mpjpe"] / simple["mpjpe"]:.3f}')
    print(f'total wall time {time.time() - start_all:.0f} s')
    return results


if __name__ == '__main__':
    main()
