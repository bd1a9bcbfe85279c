"""Anatomy3D's ablation (Table 4 of Chen et al.) on the embedded CMU data.

Trains the VideoPose3D baseline and the anatomy-aware framework with its
components switched on one by one (ML, BoneAtt, AUG, JSL, LSC, ScoreAtt),
every row with the same budget (iterations, batch, learning-rate schedule,
seed) and the same receptive field (27 frames, from
``configs/videopose3d_27frm_cmu.py`` and ``configs/anatomy3d_27frm_cmu.py``),
then evaluates each on the CMU test subjects (fixed Human3.6M-like rig,
ground-truth 2D) and prints one table: MPJPE, PA-MPJPE and the mean
bone-length error of the predicted poses per row, the change each
component brings (against the row above) and the ratio to the baseline.
Every anatomy row trains its final FC layers end to end, with the final
joints' MPJPE also reaching the direction network, as the paper's text says
("trained together with the whole network", Sec. 4.2); ``--detach-fc``
runs every row as the authors' code does (detached inputs), and the
``full-detached`` row is the full model that way. The baseline and the full
model are trained again with seeds 1 and 2 and a seed check is printed.

Every row is the config run through the Runner (``train_and_test``, what
``tools/train.py`` and ``tools/test.py`` do) with overrides: the widths and
``l`` below, ``--iters`` iterations (``train_cfg=dict(by_epoch=False,
max_iters=...)``) of ``--batch-size``, the learning rate decayed
exponentially per iteration to ``--final-lr-ratio``, every
``--train-step``-th training and ``--test-step``-th test frame; the data go
through the configs' batch path. Example::

    python tools/analysis/benchmark_anatomy3d.py              # ~30 min, 1 core
    python tools/analysis/benchmark_anatomy3d.py --iters 50 --test-step 64
    python tools/analysis/benchmark_anatomy3d.py --rows baseline full fusion

The paper's own Table 4 numbers (Human3.6M, 81 frames, CPN 2D) are shown
for orientation only; they are not comparable in value.
"""
import argparse
import math
import os.path as osp
import platform
import sys
import tempfile

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402

from pose3d_toolbox.apis.runner import (add_cfg_options_arg,  # noqa: E402
                                        apply_cfg_options, print_seed_check,
                                        train_and_test)
from pose3d_toolbox.codecs.bone import joints_to_bones  # noqa: E402

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
    'full-detached': (SWITCHES, None, dict(pose_grad=False)),
}
DEFAULT_ROWS = ('baseline', 'AF', '+ML', '+BoneAtt', '+AUG', '+JSL', '+LSC',
                'full')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rows', nargs='+', default=list(DEFAULT_ROWS),
                        choices=list(ROWS))
    parser.add_argument('--iters', type=int, default=2400,
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
    parser.add_argument('--detach-fc', action='store_true',
                        help='every anatomy row with the final FC layers\' '
                        'inputs detached (the authors\' code)')
    parser.add_argument('--aug-joints', action='store_true',
                        help='rows with AUG also apply L_J to the augmented '
                        'batch (the authors\' code)')
    parser.add_argument('--log-interval', type=int, default=500)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads of the training process')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--extra-seeds', type=int, nargs='*', default=[1, 2],
                        help='train --seed-rows again with these seeds')
    parser.add_argument('--seed-rows', nargs='*',
                        default=['baseline', 'full'],
                        choices=list(ROWS),
                        help='rows of the seed check')
    add_cfg_options_arg(parser, default={}, note='applied to every row '
                        "after the benchmark's own settings; ")
    return parser.parse_args(argv)


def anatomy_model(cfg: Config, switches, overrides: dict) -> None:
    """Set Table 4's switches on the anatomy config's model."""
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
    if 'aug_joints' in overrides:
        m.head.augmented_joints_loss = overrides['aug_joints']
    if 'pose_grad' in overrides:
        m.head.pose_loss_trains_directions = overrides['pose_grad']
    if 'final' in overrides:
        m.head.final = overrides['final']


def row_config(name: str, args, seed: int, work_dir: str) -> Config:
    """The row's config: the baseline's or the anatomy config with the
    row's switches, at the benchmark's sizes and budget."""
    switches, _, overrides = ROWS[name]
    cfg = Config.fromfile(BASELINE_CFG if switches is None else ANATOMY_CFG)
    if switches is None:
        cfg.model.backbone.channels = args.channels
        cfg.model.head.in_channels = args.channels
    else:
        overrides = dict(dict(pose_grad=not args.detach_fc), **overrides)
        if args.aug_joints:
            overrides = dict(dict(aug_joints=True), **overrides)
        anatomy_model(cfg, switches, overrides)
        cfg.model.direction_net.channels = args.channels
        cfg.model.length_net.channels = args.length_channels
        for loader in ('train_dataloader', 'test_dataloader'):
            cfg[loader].dataset.num_random_frames = args.num_random_frames
    cfg.train_dataloader.batch_size = args.batch_size
    cfg.train_dataloader.dataset.step = args.train_step
    cfg.test_dataloader.dataset.step = args.test_step
    cfg.train_cfg = dict(by_epoch=False, max_iters=args.iters,
                         val_interval=args.iters + 1)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.optim_wrapper.optimizer.lr = args.lr
    cfg.param_scheduler = [dict(
        type='ExponentialLR', by_epoch=False,
        gamma=args.final_lr_ratio**(1 / max(1, args.iters)))]
    cfg.test_evaluator = [dict(type='PoseErrorMetric',
                               modes=('mpjpe', 'p-mpjpe'))]
    cfg.randomness = dict(seed=seed)
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger.interval = args.log_interval
    cfg.log_processor.by_epoch = False
    cfg.log_level = 'WARNING'
    cfg.work_dir = work_dir
    apply_cfg_options(cfg, args.cfg_options, cfg.filename)
    return cfg


def train_and_eval(name: str, args, seed: int) -> dict:
    """Train and test one row; MPJPE, PA-MPJPE (the registered metric) and
    the mean bone-length error of the predicted poses."""
    with tempfile.TemporaryDirectory() as work_dir:
        run = train_and_test(row_config(name, args, seed, work_dir))
    preds = run['predictions']
    pred = np.stack([np.asarray(s.pred_keypoints_3d) for s in preds])
    gt = np.stack([np.asarray(s.gt_keypoints_3d) for s in preds])
    skeleton = preds[0].skeleton
    pred_len = joints_to_bones(pred, skeleton)[1]
    gt_len = joints_to_bones(gt, skeleton)[1]
    return dict(mpjpe=run['metrics']['mpjpe'],
                pa_mpjpe=run['metrics']['p-mpjpe'],
                bone_err=float(np.abs(pred_len - gt_len).mean() * 1000),
                train_s=run['train_seconds'], params=run['params'],
                n_test=len(preds))


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f'torch {torch.__version__}, Python {platform.python_version()}, '
          f'{torch.get_num_threads()} thread(s)', flush=True)
    results, seed_check = {}, {}
    runs = [(name, args.seed) for name in args.rows] + [
        (name, seed) for seed in args.extra_seeds for name in args.seed_rows
        if name in args.rows and seed != args.seed]
    for name, seed in runs:
        tag = name if seed == args.seed else f'{name} (seed {seed})'
        print(f'row {tag}', flush=True)
        r = train_and_eval(name, args, seed)
        print(f'  -> {r}', flush=True)
        if seed == args.seed:
            results[name] = r
        if name in args.seed_rows:
            seed_check.setdefault(name, []).append(r['mpjpe'])
    print_table(args, Config.fromfile(ANATOMY_CFG), results)
    print_seed_check(seed_check, args.seed, args.extra_seeds)
    return results


def print_table(args, cfg, results):
    ks = cfg.model.direction_net.kernel_sizes
    n_test = next(iter(results.values()))['n_test']
    print()
    print(f'Anatomy3D ablation on the embedded CMU data: receptive field '
          f'{math.prod(ks)} frames, {args.iters} iterations x batch '
          f'{args.batch_size} per row (each config\'s Adam at {args.lr:g} '
          f'decayed to x{args.final_lr_ratio:g}, seed {args.seed}), '
          f'training frames every {args.train_step}; test subjects '
          f'02/13/49, fixed rig, {n_test} samples (every '
          f'{args.test_step}th frame), GT 2D; l = {args.num_random_frames} '
          f'random frames; widths: TCNs {args.channels}, length network '
          f'{args.length_channels}; each row trained and tested through '
          f'the Runner')
    head = ('| row | ' + ' | '.join(SWITCHES) + ' | MPJPE (mm) | '
            'PA-MPJPE (mm) | bone-length err (mm) | dMPJPE vs row above | '
            'MPJPE / baseline | '
            'params | train s | paper H36M MPJPE |')
    print(head)
    print('|' + '---|' * (len(SWITCHES) + 9))
    base = results.get('baseline')
    prev = None
    for name, r in results.items():
        switches, paper, _ = ROWS[name]
        marks = (['-'] * len(SWITCHES) if switches is None else
                 ['x' if s in switches else '.' for s in SWITCHES])
        delta = (f'{r["mpjpe"] - prev:+.1f}' if prev is not None else '')
        ratio = f'{r["mpjpe"] / base["mpjpe"]:.3f}' if base else ''
        print(f'| {name} | ' + ' | '.join(marks) +
              f' | {r["mpjpe"]:.1f} | {r["pa_mpjpe"]:.1f} | '
              f'{r["bone_err"]:.1f} | {delta} | '
              f'{ratio} | {r["params"] / 1e6:.2f}M | {r["train_s"]:.0f} | '
              f'{paper if paper is not None else ""} |')
        prev = r['mpjpe']
    print('x: on, .: off, -: not applicable (VideoPose3D TCN). Final FC '
          'layers ' + ('detached (the authors\' code)' if args.detach_fc else
                       'trained end to end (paper Sec. 4.2)')
          + '; full-detached: the full model with them detached.',
          flush=True)


if __name__ == '__main__':
    main()
