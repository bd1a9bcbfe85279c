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

Models, codecs, losses, optimisers and metrics are built from the configs;
the samples are encoded once by the configs' pipelines and kept in memory
(flipped copies included when a config flips), because the per-sample
pipeline costs more than the update itself on 2 CPU cores. Prints one table
(mm) and the ratios the paper's claims are about.

Example:
    python tools/analysis/benchmark_abslifter.py                # ~20 min
    python tools/analysis/benchmark_abslifter.py --iters 300 --test-step 16
"""
import argparse
import copy
import os.path as osp
import sys
import time

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.evaluator import Evaluator  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from pose3d_toolbox.evaluation.functional import mrpe  # noqa: E402
from pose3d_toolbox.models.heads import stack_field  # noqa: E402
from pose3d_toolbox.registry import DATASETS, MODELS  # noqa: E402
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


def load_config(path, layer, depth):
    cfg = Config.fromfile(path)
    if layer:
        cfg.model.backbone.input_layer.update(layer)
    codecs = [cfg.model.head.codec] + [
        t.codec for split in ('train', 'test')
        for t in cfg[f'{split}_dataloader'].dataset.pipeline if 'codec' in t]
    for codec in codecs:
        if depth is not None:
            codec.depth = depth
    return cfg


def encode(cfg, split, step, flip):
    """Run the config's pipeline (without random flips) over a split of the
    CMU data on random rigs; ``flip`` also encodes mirrored copies."""
    ds_cfg = copy.deepcopy(cfg[f'{split}_dataloader'].dataset)
    ds_cfg.update(rig='random', visibility=False, step=step,
                  seed=0 if split == 'train' else 1)
    ds_cfg.pipeline = [t for t in ds_cfg.pipeline
                       if t.type != 'RandomFlipLifting']
    variants = [ds_cfg.pipeline]
    if flip:
        variants.append([dict(type='RandomFlipLifting', prob=1.0)]
                        + ds_cfg.pipeline)
    out = []
    for pipeline in variants:
        dataset = DATASETS.build(dict(ds_cfg, pipeline=pipeline))
        items = [dataset[i] for i in range(len(dataset))]
        out.append((torch.stack([d['inputs'] for d in items]).float(),
                    [d['data_samples'] for d in items]))
    return out


def train(cfg, variants, iters, batch_size, seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    tensors = [(x, stack_field(s, 'lifting_target', x),
                stack_field(s, 'target_weight', x)) for x, s in variants]
    n = len(tensors[0][0])
    model.train()
    for _ in range(iters):
        idx = torch.as_tensor(rng.integers(0, n, batch_size))
        flipped = torch.as_tensor(rng.random(batch_size) < 0.5 *
                                  (len(tensors) - 1))

        def pick(k, idx=idx, flipped=flipped):
            plain, mirrored = tensors[0][k][idx], tensors[-1][k][idx]
            mask = flipped.view(-1, *[1] * (plain.dim() - 1))
            return torch.where(mask, mirrored, plain)
        x, target, weight = pick(0), pick(1), pick(2)
        pred = model(x, mode='tensor')
        loss = model.head.loss_module(pred, target, weight)
        optim.update_params(loss)
    return model


def evaluate(cfg, model, inputs, samples):
    model.eval()
    evaluator = Evaluator(copy.deepcopy(cfg.test_evaluator))
    preds = []
    with torch.no_grad():
        for i in range(0, len(inputs), 1024):
            batch = [s.clone() for s in samples[i:i + 1024]]
            out = model(inputs[i:i + 1024], batch, mode='predict')
            evaluator.process(out)
            preds += out
    return evaluator.evaluate(len(inputs)), preds


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
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    init_default_scope('pose3d_toolbox')
    torch.set_num_threads(1)
    results, spread, cache, start_all = {}, {}, {}, time.time()
    for name in args.rows:
        path, layer, depth = ROWS[name]
        cfg = load_config(path, layer, depth)
        flip = any(t.type == 'RandomFlipLifting'
                   for t in cfg.train_dataloader.dataset.pipeline)
        key = (path, depth)
        if key not in cache:
            cache[key] = (encode(cfg, 'train', args.train_step, flip),
                          encode(cfg, 'test', args.test_step, False)[0])
        train_set, (test_x, test_samples) = cache[key]
        runs = []
        for seed in args.seeds:
            start = time.time()
            model = train(cfg, train_set, args.iters, args.batch_size, seed)
            metrics, preds = evaluate(cfg, model, test_x, test_samples)
            metrics['seconds'] = time.time() - start
            if name == FULL:
                metrics.update({f'closed/{k}': v for k, v in
                                closed_form_root(preds).items()})
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

    n_train = len(next(iter(cache.values()))[0][0][0])
    print(f'\nAbsPoseLifter on the embedded CMU data: ground-truth 2D, random '
          f'camera rigs (f 900-1600 px), {n_train} training samples (every '
          f'{args.train_step}th frame, mirrored copies for configs that '
          f'flip), {len(test_x)} test samples (test subjects, other rigs). '
          f'Budget per row: {args.iters} updates x batch {args.batch_size}, '
          f'each config\'s optimiser; mean of seeds {args.seeds}. Errors in '
          f'mm.')
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


if __name__ == '__main__':
    main()
