"""Anatomy3D's ablation (Table 4 of Chen et al.) on the embedded CMU data.

Trains the VideoPose3D baseline and the anatomy-aware framework with its
components switched on one by one (ML, BoneAtt, AUG, JSL, LSC, ScoreAtt),
every row with the same budget (iterations, batch, learning-rate schedule,
seed) and the same receptive field (27 frames, from
``configs/videopose3d_27frm_cmu.py`` and ``configs/anatomy3d_27frm_cmu.py``),
then evaluates each on the CMU test subjects (fixed Human3.6M-like rig,
ground-truth 2D) and prints one table: MPJPE and PA-MPJPE per row, the
change each component brings (against the row above) and the ratio to the
baseline. Example::

    python tools/analysis/benchmark_anatomy3d.py              # ~30 min, 2 busy cores
    python tools/analysis/benchmark_anatomy3d.py --iters 50 --test-step 64
    python tools/analysis/benchmark_anatomy3d.py --rows baseline full fusion

The paper's own Table 4 numbers (Human3.6M, 81 frames, CPN 2D) are shown
for orientation only; they are not comparable in value.
"""
import argparse
import copy
import math
import os.path as osp
import platform
import sys
import time

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.dataset import Compose, pseudo_collate  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from pose3d_toolbox.evaluation.functional import mpjpe, pa_mpjpe  # noqa
from pose3d_toolbox.registry import DATASETS, MODELS  # noqa: E402

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
BASELINE_CFG = osp.join(REPO, 'configs', 'videopose3d_27frm_cmu.py')
ANATOMY_CFG = osp.join(REPO, 'configs', 'anatomy3d_27frm_cmu.py')
SWITCHES = ('ML', 'BoneAtt', 'AUG', 'JSL', 'LSC', 'ScoreAtt')

# name: (switches on, paper Table 4 MPJPE in mm, extra overrides)
ROWS = {
    'baseline': (None, 47.7, {}),
    'AF': ((), 48.4, {}),
    '+ML': (('ML', ), 46.6, {}),
    '+BoneAtt': (('ML', 'BoneAtt'), 46.5, {}),
    '+AUG': (('ML', 'BoneAtt', 'AUG'), 46.3, {}),
    '+JSL': (('ML', 'BoneAtt', 'AUG', 'JSL'), 45.8, {}),
    '+LSC': (('ML', 'BoneAtt', 'AUG', 'JSL', 'LSC'), 45.1, {}),
    'full': (SWITCHES, 44.6, {}),
    # not in Table 4's main rows
    'fusion': (SWITCHES[:-1], 44.8, dict(score_fusion='concat')),
    'full-fk': (SWITCHES, None, dict(final='fk')),
}
DEFAULT_ROWS = ('baseline', 'AF', '+ML', '+BoneAtt', '+AUG', '+JSL', '+LSC',
                'full')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rows', nargs='+', default=list(DEFAULT_ROWS),
                        choices=list(ROWS))
    parser.add_argument('--iters', type=int, default=400,
                        help='training iterations per row')
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--channels', type=int, default=128,
                        help='width of the TCNs (baseline and directions)')
    parser.add_argument('--length-channels', type=int, default=64,
                        help='width of the bone-length network')
    parser.add_argument('--num-random-frames', type=int, default=16,
                        help='l, random frames per sample')
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--final-lr-ratio', type=float, default=0.1,
                        help='exponential decay to lr * this at the end')
    parser.add_argument('--train-step', type=int, default=2,
                        help='every n-th frame of the training videos')
    parser.add_argument('--test-step', type=int, default=8,
                        help='every n-th frame of the test videos')
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads of the training process')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def sized(base_cfg: Config, ana_cfg: Config, args):
    """Both configs at the benchmark's widths and l (one budget)."""
    base_cfg, ana_cfg = copy.deepcopy(base_cfg), copy.deepcopy(ana_cfg)
    base_cfg.model.backbone.channels = args.channels
    base_cfg.model.head.in_channels = args.channels
    ana_cfg.model.direction_net.channels = args.channels
    ana_cfg.model.length_net.channels = args.length_channels
    for loader in (ana_cfg.train_dataloader, ana_cfg.val_dataloader):
        loader.dataset.num_random_frames = args.num_random_frames
    return base_cfg, ana_cfg


def anatomy_cfg(cfg: Config, switches, overrides: dict) -> Config:
    """The anatomy config with Table 4's switches set."""
    cfg = copy.deepcopy(cfg)
    on = set(switches)
    m = cfg.model
    m.direction_net.num_stages = 2 if 'LSC' in on else 1
    m.direction_net.score_fusion = ('attention' if 'ScoreAtt' in on
                                    else None)
    m.length_net.mpjpe_loss = 'ML' in on
    m.length_net.bone_attention = 'BoneAtt' in on
    m.length_augmentation = 'AUG' in on
    m.head.joint_shift_loss = 'JSL' in on
    if 'score_fusion' in overrides:
        m.direction_net.score_fusion = overrides['score_fusion']
    if 'final' in overrides:
        m.head.final = overrides['final']
    return cfg


def pipelines(cfg: Config, augment: bool):
    train = [t for t in cfg.train_dataloader.dataset.pipeline
             if augment or t['type'] != 'RandomBoneLengthAugmentation']
    return Compose(train), Compose(cfg.val_dataloader.dataset.pipeline)


def build_sets(cfg: Config, args):
    """Train and test datasets without pipeline (set per row)."""
    train = dict(cfg.train_dataloader.dataset, pipeline=[],
                 step=args.train_step)
    test = dict(cfg.val_dataloader.dataset, pipeline=[],
                step=args.test_step)
    return DATASETS.build(train), DATASETS.build(test)


def _worker_init(worker_id):
    seed = torch.initial_seed() % 2**31
    np.random.seed(seed)


def train_and_eval(name, cfg, train_set, test_set, args):
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    gamma = args.final_lr_ratio**(1 / max(1, args.iters))
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma)
    gen = torch.Generator().manual_seed(args.seed)
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                        drop_last=True, collate_fn=pseudo_collate,
                        num_workers=args.workers, generator=gen,
                        worker_init_fn=_worker_init,
                        persistent_workers=args.workers > 0)
    model.train()
    it, start, last = 0, time.perf_counter(), {}
    while it < args.iters:
        for batch in loader:
            data = model.data_preprocessor(batch, True)
            losses = model(**data, mode='loss')
            loss = sum(v for k, v in losses.items() if 'loss' in k)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            it += 1
            last = {k: float(v.detach()) for k, v in losses.items()}
            if it % 100 == 0 or it == args.iters:
                print(f'  [{name}] iter {it}/{args.iters} loss '
                      f'{float(loss):.4f} '
                      + ' '.join(f'{k}={v:.4f}' for k, v in last.items()),
                      flush=True)
            if it >= args.iters:
                break
    train_time = time.perf_counter() - start
    del loader
    model.eval()
    preds, gts = [], []
    test_loader = DataLoader(test_set, batch_size=512, shuffle=False,
                             collate_fn=pseudo_collate,
                             num_workers=args.workers)
    with torch.no_grad():
        for batch in test_loader:
            data = model.data_preprocessor(batch, False)
            for s in model(**data, mode='predict'):
                preds.append(np.asarray(s.pred_keypoints_3d))
                gts.append(np.asarray(s.gt_keypoints_3d))
    pred, gt = np.stack(preds), np.stack(gts)
    gt = gt - gt[:, :1]
    return dict(mpjpe=float(mpjpe(pred, gt).mean()),
                pa_mpjpe=float(pa_mpjpe(pred, gt).mean()),
                train_s=train_time, params=params, n_test=len(pred))


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    # quiet mmengine's per-parameter init report
    MMLogger.get_instance('benchmark_anatomy3d', log_level='WARNING')
    init_default_scope('pose3d_toolbox')
    base_cfg, ana_cfg = sized(Config.fromfile(BASELINE_CFG),
                              Config.fromfile(ANATOMY_CFG), args)
    print(f'torch {torch.__version__}, Python {platform.python_version()}, '
          f'{torch.get_num_threads()} thread(s), {args.workers} loader '
          'worker(s)', flush=True)
    sets = {}
    results = {}
    for name in args.rows:
        switches, _, overrides = ROWS[name]
        if switches is None:
            cfg, kind, augment = base_cfg, 'baseline', False
        else:
            cfg = anatomy_cfg(ana_cfg, switches, overrides)
            kind, augment = 'anatomy', 'AUG' in switches
        if kind not in sets:
            t = time.perf_counter()
            sets[kind] = build_sets(cfg, args)
            print(f'{kind} data: {len(sets[kind][0])} train / '
                  f'{len(sets[kind][1])} test samples '
                  f'({time.perf_counter() - t:.0f} s)', flush=True)
        train_set, test_set = sets[kind]
        train_set.pipeline, test_set.pipeline = pipelines(cfg, augment)
        print(f'row {name}', flush=True)
        results[name] = train_and_eval(name, cfg, train_set, test_set, args)
        print(f'  -> {results[name]}', flush=True)
    print_table(args, ana_cfg, results)


def print_table(args, cfg, results):
    ks = cfg.model.direction_net.kernel_sizes
    n_test = next(iter(results.values()))['n_test']
    print()
    print(f'Anatomy3D ablation on the embedded CMU data: receptive field '
          f'{math.prod(ks)} frames, {args.iters} iterations x batch '
          f'{args.batch_size} per row (Adam {args.lr:g} decayed to '
          f'x{args.final_lr_ratio:g}, seed {args.seed}), training frames '
          f'every {args.train_step}; test subjects 02/13/49, fixed rig, '
          f'{n_test} samples (every {args.test_step}th frame), GT 2D; l = '
          f'{args.num_random_frames} random frames; widths: TCNs '
          f'{args.channels}, length network {args.length_channels}')
    head = ('| row | ' + ' | '.join(SWITCHES) + ' | MPJPE (mm) | '
            'PA-MPJPE (mm) | dMPJPE vs row above | MPJPE / baseline | '
            'params | train s | paper H36M MPJPE |')
    print(head)
    print('|' + '---|' * (len(SWITCHES) + 8))
    base = results.get('baseline')
    prev = None
    for name, r in results.items():
        switches, paper, _ = ROWS[name]
        marks = (['-'] * len(SWITCHES) if switches is None else
                 ['x' if s in switches else '.' for s in SWITCHES])
        delta = (f'{r["mpjpe"] - prev:+.1f}' if prev is not None else '')
        ratio = f'{r["mpjpe"] / base["mpjpe"]:.3f}' if base else ''
        print(f'| {name} | ' + ' | '.join(marks) +
              f' | {r["mpjpe"]:.1f} | {r["pa_mpjpe"]:.1f} | {delta} | '
              f'{ratio} | {r["params"] / 1e6:.2f}M | {r["train_s"]:.0f} | '
              f'{paper if paper is not None else ""} |')
        prev = r['mpjpe']
    print('x: on, .: off, -: not applicable (VideoPose3D TCN).', flush=True)


if __name__ == '__main__':
    main()
