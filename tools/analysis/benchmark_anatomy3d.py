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

Batches are built by :class:`FastLiftingData`, the same encoding as the
per-sample pipeline done on whole batches (checked against it in
``tests/test_models/test_anatomy3d.py``); on one CPU core the pipeline
cost more than the training steps. Example::

    python tools/analysis/benchmark_anatomy3d.py              # ~30 min, 1 core
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
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from pose3d_toolbox.evaluation.functional import mpjpe, pa_mpjpe  # noqa
from pose3d_toolbox.codecs.bone import (bones_to_joints,  # noqa: E402
                                        joints_to_bones)
from pose3d_toolbox.registry import (DATASETS, KEYPOINT_CODECS,  # noqa: E402
                                     MODELS)

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
    if 'aug_joints' in overrides:
        m.head.augmented_joints_loss = overrides['aug_joints']
    if 'pose_grad' in overrides:
        m.head.pose_loss_trains_directions = overrides['pose_grad']
    if 'final' in overrides:
        m.head.final = overrides['final']
    return cfg


class FastLiftingData:
    """The dataset's samples, encoded once per video and batched by indexing.

    Does what the per-sample pipeline (``GenerateTarget`` with
    :class:`BoneCodec`, ``RandomBoneLengthAugmentation``, ``PackPoseInputs``,
    collation, the data preprocessor and the models' ``stack_field``) does,
    on whole batches: the screen normalisation, root-relative targets and
    bone decomposition run once over every video frame, a batch gathers its
    windows (edges clipped as in :class:`BaseLiftingDataset`), its ``l``
    random frames (drawn anew per sample in training; the dataset's own
    fixed draws in test mode) and, with augmentation, rebuilds and
    re-projects the random frames with new bone lengths. On one CPU core the
    per-sample Python pipeline costs more than the models' training step;
    ``tests/test_models/test_anatomy3d.py`` checks this class against it.

    Args:
        dataset: a built :class:`BaseLiftingDataset` (videos without lens
            distortion).
        codec: the :class:`BoneCodec` (its normalisation, root, scale).
        num_random_frames: ``l`` (0: no random frames).
        aug_scale: half-width of the relative range of the augmented bone
            lengths (``RandomBoneLengthAugmentation.scale``).
    """

    def __init__(self, dataset, codec, num_random_frames: int,
                 aug_scale: float = 0.3):
        videos = dataset.videos
        self.codec, self.l, self.aug_scale = codec, num_random_frames, \
            aug_scale
        self.root, self.scale = codec.root_index, codec.target_scale
        self.skeleton = codec.skeleton
        x2d, x3d, vis, cams = [], [], [], []
        for v in videos:
            cam = v['camera']
            for key in ('k', 'p'):
                if cam.get(key) is not None and np.any(np.asarray(cam[key])):
                    raise ValueError('FastLiftingData projects without lens '
                                     'distortion; use the pipeline')
            x2d.append(codec.normalize_input(v['keypoints_2d'], cam))
            x3d.append(np.asarray(v['keypoints_3d'], np.float32))
            vis.append(dataset._visibility(v, np.arange(v['num_frames'])))
            cams.append(np.concatenate([
                np.asarray(cam['f'], np.float64).reshape(2),
                np.asarray(cam['c'], np.float64).reshape(2),
                [float(cam['w']), float(cam['h'])]]))
        self.num_frames = np.array([v['num_frames'] for v in videos])
        self.start = np.concatenate([[0], np.cumsum(self.num_frames)[:-1]])
        self.cams = np.stack(cams)  # (V, 6): fx fy cx cy w h
        kp3d = np.concatenate(x3d)
        rel = kp3d - kp3d[:, self.root:self.root + 1]
        directions, lengths = joints_to_bones(kp3d, self.skeleton)
        self.kp3d = kp3d
        self.x2d = torch.from_numpy(np.concatenate(x2d).astype(np.float32))
        self.vis = torch.from_numpy(np.concatenate(vis).astype(np.float32))
        self.rel = torch.from_numpy((rel / self.scale).astype(np.float32))
        self.directions = torch.from_numpy(directions.astype(np.float32))
        self.lengths = torch.from_numpy(
            (lengths / self.scale).astype(np.float32))
        self.targets = np.asarray(dataset.targets)
        self.offsets = ((np.arange(dataset.seq_len) - dataset.target_index)
                        * dataset.frame_interval)
        self.causal = dataset.causal
        self.fixed_random = None
        if dataset.test_mode and self.l:
            self.fixed_random = np.stack([dataset.get_random_frames(i)
                                          for i in range(len(dataset))])

    def __len__(self):
        return len(self.targets)

    def _random_frames(self, vi, frame, rng):
        """``(N, l)`` frames per sample, distinct where the video allows."""
        n = frame + 1 if self.causal else self.num_frames[vi]
        out = (rng.random((len(vi), self.l)) * n[:, None]).astype(np.int64)
        for r in range(len(vi)):  # redraw repeats (rare in long videos)
            if n[r] >= self.l and len(np.unique(out[r])) < self.l:
                out[r] = rng.choice(n[r], self.l, replace=False)
        return out

    def batch(self, idx, rng=None, augment=False, random_frames=None):
        """Tensors of samples ``idx`` under the keys the models read.

        ``random_frames`` ``(N, l)`` overrides the draw (tests).
        """
        idx = np.asarray(idx)
        vi, frame = self.targets[idx, 0], self.targets[idx, 1]
        start = self.start[vi][:, None]
        win = np.clip(frame[:, None] + self.offsets, 0,
                      self.num_frames[vi][:, None] - 1) + start
        tgt = torch.from_numpy(start[:, 0] + frame)
        win = torch.from_numpy(win)
        weight = torch.ones(len(idx), self.rel.shape[1])
        weight[:, self.root] = 0
        out = dict(inputs=self.x2d[win], lifting_visibility=self.vis[win],
                   lifting_target=self.rel[tgt], target_weight=weight,
                   bone_directions=self.directions[tgt],
                   bone_lengths=self.lengths[tgt])
        if not self.l:
            return out
        if random_frames is None:
            random_frames = (self.fixed_random[idx] if self.fixed_random
                             is not None else
                             self._random_frames(vi, frame, rng))
        g = start + np.asarray(random_frames)
        gt = torch.from_numpy(g)
        out.update(length_input=self.x2d[gt], length_target=self.rel[gt])
        if augment:
            out.update(self._augment(g, vi, rng))
        return out

    def _augment(self, g, vi, rng):
        """``RandomBoneLengthAugmentation`` on the random frames ``g``."""
        kp = self.kp3d[g].astype(np.float64)  # (N, l, J, 3)
        directions, lengths = joints_to_bones(kp, self.skeleton)
        s = self.aug_scale
        new = lengths.mean(1) * rng.uniform(1 - s, 1 + s, lengths[:, 0].shape)
        joints = bones_to_joints(directions, new[:, None], self.skeleton) + \
            kp[:, :, self.root:self.root + 1]
        cam = self.cams[vi][:, None, None]  # (N, 1, 1, 6)
        px = (joints[..., :2] / joints[..., 2:3] * cam[..., 0:2] +
              cam[..., 2:4]).astype(np.float32)
        w, h = cam[..., 4:5].astype(np.float32), cam[..., 5:6]
        offset = np.concatenate([np.ones_like(h), h / cam[..., 4:5]],
                                -1).astype(np.float32)
        rel = joints - joints[:, :, self.root:self.root + 1]
        return dict(aug_length_input=torch.from_numpy(px / w * 2 - offset),
                    aug_length_target=torch.from_numpy(
                        (rel / self.scale).astype(np.float32)),
                    aug_bone_lengths=torch.from_numpy(
                        (new / self.scale).astype(np.float32)))


def build_data(cfg: Config, args):
    """Train and test :class:`FastLiftingData` of the anatomy config."""
    codec = KEYPOINT_CODECS.build(cfg.model.head.codec)
    aug = [t for t in cfg.train_dataloader.dataset.pipeline
           if t['type'] == 'RandomBoneLengthAugmentation']
    scale = aug[0].get('scale', 0.3) if aug else 0.3
    train = DATASETS.build(dict(cfg.train_dataloader.dataset, pipeline=[],
                                step=args.train_step))
    test = DATASETS.build(dict(cfg.val_dataloader.dataset, pipeline=[],
                               step=args.test_step))
    return (FastLiftingData(train, codec, args.num_random_frames, scale),
            FastLiftingData(test, codec, args.num_random_frames, scale))


def step_losses(model, b, baseline: bool, augment: bool):
    """The training losses of one batch (what ``mode='loss'`` computes)."""
    if baseline:
        pred = model.head(model.backbone(b['inputs']))
        return dict(loss_pose3d=model.head.loss_module(
            pred, b['lifting_target'], b['target_weight']))
    if augment != model.length_augmentation:
        raise ValueError('augmentation switch differs from the model')
    return model.head.loss(model.features(b['inputs'], b, augment), b)


def predict(model, b, baseline: bool) -> np.ndarray:
    """Decoded root-relative joints in metres, ``(N, J, 3)``."""
    if baseline:
        out = model.head(model.backbone(b['inputs']))
    else:
        out = model.head(model.features(b['inputs'], b))
    out = out.detach().numpy()
    return model.head.codec.decode(out, [{}] * len(out))['keypoints_3d']


def train_and_eval(name, cfg, train_set, test_set, args, baseline, augment):
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    gamma = args.final_lr_ratio**(1 / max(1, args.iters))
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma)
    model.train()
    start, order, pos = time.perf_counter(), rng.permutation(len(train_set)), 0
    for it in range(1, args.iters + 1):
        if pos + args.batch_size > len(order):  # next epoch, drop the rest
            order, pos = rng.permutation(len(train_set)), 0
        b = train_set.batch(order[pos:pos + args.batch_size], rng, augment)
        pos += args.batch_size
        losses = step_losses(model, b, baseline, augment)
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if it % args.log_interval == 0 or it == args.iters:
            print(f'  [{name}] iter {it}/{args.iters} loss '
                  f'{float(loss.detach()):.4f} ' +
                  ' '.join(f'{k}={float(v.detach()):.4f}'
                           for k, v in losses.items()), flush=True)
    train_time = time.perf_counter() - start
    model.eval()
    preds, gts, length_err = [], [], []
    with torch.no_grad():
        for i in range(0, len(test_set), 512):
            idx = np.arange(i, min(i + 512, len(test_set)))
            b = test_set.batch(idx)
            preds.append(predict(model, b, baseline))
            gts.append(b['lifting_target'].numpy() * test_set.scale)
            if not baseline:
                lengths = model.features(
                    b['inputs'], b)['length_out']['lengths']
                length_err.append(((lengths - b['bone_lengths']).abs() *
                                   test_set.scale).mean(1).numpy())
    pred, gt = np.concatenate(preds), np.concatenate(gts)
    # bone lengths of the prediction (any row) and of the length network
    pred_len = joints_to_bones(pred, test_set.skeleton)[1]
    gt_len = joints_to_bones(gt, test_set.skeleton)[1]
    return dict(mpjpe=float(mpjpe(pred, gt).mean()),
                pa_mpjpe=float(pa_mpjpe(pred, gt).mean()),
                bone_err=float(np.abs(pred_len - gt_len).mean() * 1000),
                length_net_err=(float(np.concatenate(length_err).mean() *
                                      1000) if length_err else None),
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
          f'{torch.get_num_threads()} thread(s)', flush=True)
    t = time.perf_counter()
    # one data set for every row (the baseline ignores visibility and the
    # random frames), built from the anatomy config
    train_set, test_set = build_data(ana_cfg, args)
    print(f'data: {len(train_set)} train / {len(test_set)} test samples '
          f'({time.perf_counter() - t:.0f} s)', flush=True)
    results, seed_check = {}, {}
    runs = [(name, args.seed) for name in args.rows] + [
        (name, seed) for seed in args.extra_seeds for name in args.seed_rows
        if name in args.rows and seed != args.seed]
    for name, seed in runs:
        switches, _, overrides = ROWS[name]
        if switches is None:
            cfg, baseline, augment = base_cfg, True, False
        else:
            overrides = dict(dict(pose_grad=not args.detach_fc),
                             **overrides)
            if args.aug_joints:
                overrides = dict(dict(aug_joints=True), **overrides)
            cfg = anatomy_cfg(ana_cfg, switches, overrides)
            baseline, augment = False, 'AUG' in switches
        tag = name if seed == args.seed else f'{name} (seed {seed})'
        print(f'row {tag}', flush=True)
        r = train_and_eval(tag, cfg, train_set, test_set,
                           argparse.Namespace(**dict(vars(args), seed=seed)),
                           baseline, augment)
        print(f'  -> {r}', flush=True)
        if seed == args.seed:
            results[name] = r
        if name in args.seed_rows:
            seed_check.setdefault(name, []).append(r['mpjpe'])
    print_table(args, ana_cfg, results)
    print_seed_check(args, seed_check)


def print_seed_check(args, seed_check):
    """MPJPE of the rows trained with several seeds, and their mean
    difference to the baseline's."""
    if not seed_check or max(len(v) for v in seed_check.values()) < 2:
        return
    seeds = [args.seed] + [s for s in args.extra_seeds if s != args.seed]
    print()
    print(f'Seed check (same budget, seeds {", ".join(map(str, seeds))}):')
    print('| row | MPJPE per seed (mm) | mean | spread (max - min) | '
          'mean - baseline mean |')
    print('|---|---|---|---|---|')
    base = seed_check.get('baseline')
    for name, values in seed_check.items():
        mean = float(np.mean(values))
        diff = (f'{mean - float(np.mean(base)):+.1f}' if base and
                name != 'baseline' else '')
        print(f'| {name} | ' + ' / '.join(f'{v:.1f}' for v in values) +
              f' | {mean:.1f} | {max(values) - min(values):.1f} | {diff} |')


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
