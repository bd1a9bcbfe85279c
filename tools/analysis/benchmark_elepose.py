"""ElePose's ablation (paper Table 5) on the embedded CMU mocap data.

Trains, at an equal budget, the five rows of Table 5 and the supervised
SimpleBaseline, and evaluates them on the test subjects (02, 13, 49, fixed
Human3.6M-like rig, ground-truth 2D):

==================  =================  ======  =======================
row                 flow input         L_bone  elevation
==================  =================  ======  =======================
base                raw 2D (no PCA)    off     fixed prior U(+-20 deg)
+ bone prior        raw 2D             on      fixed prior
+ bone + elevation  raw 2D             on      learnt
+ bone + PCA        26 PCA bases       on      fixed prior
all (ElePose)       26 PCA bases       on      learnt
==================  =================  ======  =======================

Every row uses the registered parts of ``configs/elepose*_cmu.py`` (codec,
flow prior, lifter, losses) and the same number of updates of the same batch
size and learning rate; the two flows (with and without PCA) are trained
once each at their own equal budget. SimpleBaseline (``configs/
simplebaseline3d_cmu.py``'s model, supervised with 3D) gets the same number
of updates. ElePose rows read only the training 2D poses.

To keep the whole run within about an hour on 2 CPU cores, training
loops run here over the encoded arrays held in memory (the same codec
encodings the configs' pipelines produce), not through the Runner's data
pipeline, whose per-sample transforms cost most of the time on a CPU.
``tools/train.py configs/elepose-flow_cmu.py`` / ``configs/elepose_cmu.py``
train the same models through the Runner.

The NLL of each prediction (mean over ``--nll-rotations`` virtual cameras)
is correlated with its PA-MPJPE for the full model, and the Fig. 5 box plot
is saved as a PNG.

Example::

    python tools/analysis/benchmark_elepose.py            # ~1 h
    python tools/analysis/benchmark_elepose.py --iters 200 --flow-iters 200
"""
import argparse
import contextlib
import logging
import math
import os
import os.path as osp
import sys
import time
import warnings

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from pose3d_toolbox.codecs import LIFTING_INPUT  # noqa: E402
from pose3d_toolbox.registry import (DATASETS, KEYPOINT_CODECS,  # noqa: E402
                                     METRICS, MODELS)

REPO = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..')

ROWS = (  # name, PCA, bone prior, elevation
    ('base (L_NF + L_3D + L_def + L_2D)', False, False, False),
    ('base + L_bone', False, True, False),
    ('base + L_bone + elevation', False, True, True),
    ('base + L_bone + PCA', True, True, False),
    ('ElePose (base + L_bone + PCA + elevation)', True, True, True),
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--iters', type=int, default=3000,
                        help='updates per lifter row and for SimpleBaseline')
    parser.add_argument('--flow-iters', type=int, default=6000,
                        help='updates per flow (with and without PCA)')
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--lr', type=float, default=1e-3,
                        help='Adam learning rate of every lifter row')
    parser.add_argument('--flow-lr', type=float, default=1e-3)
    parser.add_argument('--nll-rotations', type=int, default=100)
    parser.add_argument('--work-dir', default='work_dirs/benchmark_elepose')
    parser.add_argument('--rows', type=int, nargs='+',
                        default=list(range(len(ROWS))),
                        help='indices of the Table 5 rows to run')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def load_split(cfg, split):
    """Encoded inputs, 3D ground truth and cameras of a CMU split, as the
    config's pipeline would produce them (target frame of each sample)."""
    ds_cfg = dict(cfg.train_dataloader.dataset if split == 'train'
                  else cfg.val_dataloader.dataset)
    ds_cfg.pop('pipeline', None)
    dataset = DATASETS.build(ds_cfg)
    kp2d, kp3d, cams = [], [], []
    for video in dataset.videos:
        kp2d.append(video['keypoints_2d'])
        kp3d.append(video['keypoints_3d'])
        cams += [video['camera']] * len(video['keypoints_2d'])
    return np.concatenate(kp2d), np.concatenate(kp3d), cams


def encode(codec, kp2d, kp3d, cams=None):
    """Run ``codec.encode`` on whole arrays (frames as the sequence axis;
    one call per camera for codecs that read the image size)."""
    if cams is None:
        out = codec.encode(dict(keypoints_2d=kp2d, keypoints_3d=kp3d,
                                target_index=0, camera={}))
        return out[LIFTING_INPUT], None
    inputs, targets = np.empty_like(kp2d), np.empty_like(kp3d)
    keys = np.array([id(c) for c in cams])
    for key in np.unique(keys):
        idx = np.flatnonzero(keys == key)
        cam = cams[idx[0]]
        out = codec.encode(dict(keypoints_2d=kp2d[idx],
                                keypoints_3d=kp3d[idx], target_index=0,
                                camera=cam))
        inputs[idx] = out[LIFTING_INPUT]
        targets[idx] = kp3d[idx] - kp3d[idx][:, :1]
    return inputs, targets


@contextlib.contextmanager
def silent_logger():
    """Mute mmengine's per-parameter init report."""
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def batches(n, batch_size, iters, rng):
    order = np.array([], dtype=np.int64)
    for _ in range(iters):
        if len(order) < batch_size:
            order = np.concatenate([order, rng.permutation(n)])
        yield order[:batch_size]
        order = order[batch_size:]


def train(model, params, step_fn, n, args, iters, lr, label, flow=False):
    rng = np.random.default_rng(args.seed)
    opt = torch.optim.Adam(params, lr=lr, weight_decay=1e-5)
    if flow:  # as configs/elepose-flow_cmu.py: lr / 10 for the last quarter
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda i: 0.1 if i >= 0.75 * iters else 1.0)
    else:  # the lifter configs' decay, 0.95 per pass over the training set
        per_epoch = max(1, n // args.batch_size)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda i: 0.95**(i / per_epoch))
    model.train()
    start, running = time.time(), None
    for i, idx in enumerate(batches(n, args.batch_size, iters, rng)):
        loss = step_fn(torch.as_tensor(idx))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 10.0)
        opt.step()
        sched.step()
        running = loss.item() if running is None else \
            0.98 * running + 0.02 * loss.item()
        if (i + 1) % max(1, iters // 4) == 0:
            print(f'  {label}: {i + 1}/{iters} loss {running:.3f} '
                  f'({time.time() - start:.0f} s)', flush=True)
    model.eval()
    return time.time() - start


def evaluate(pred_m, gt_m, nll=None, plot=None):
    """PA-MPJPE, N-MPJPE, N-PCK, AUC, CPS (and the NLL correlation) of
    ``(N, J, 3)`` metre arrays, through the registered metrics."""
    samples = [dict(pred_keypoints_3d=p, gt_keypoints_3d=g)
               for p, g in zip(pred_m, gt_m)]
    cfgs = [dict(type='PoseErrorMetric', modes=('p-mpjpe', 'n-mpjpe')),
            dict(type='PCK3DMetric', scale='lstsq'), dict(type='CPSMetric')]
    if nll is not None:
        for s, v in zip(samples, nll):
            s['pred_nll'] = float(v)
        cfgs.append(dict(type='NLLErrorCorrelationMetric', out_file=plot,
                         bins=(20, 200, 10)))
    out = {}
    for c in cfgs:
        metric = METRICS.build(c)
        metric.process({}, samples)
        out.update(metric.evaluate(len(samples)))
    return out


def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    warnings.filterwarnings('ignore', message='.*flow.*randomly')
    os.makedirs(args.work_dir, exist_ok=True)
    init_default_scope('pose3d_toolbox')
    flow_cfg = Config.fromfile(osp.join(REPO, 'configs/elepose-flow_cmu.py'))
    lift_cfg = Config.fromfile(osp.join(REPO, 'configs/elepose_cmu.py'))
    sb_cfg = Config.fromfile(osp.join(REPO,
                                      'configs/simplebaseline3d_cmu.py'))
    t0 = time.time()
    codec = KEYPOINT_CODECS.build(flow_cfg.model.codec)
    tr2d, tr3d, tr_cams = load_split(flow_cfg, 'train')
    te2d, te3d, te_cams = load_split(flow_cfg, 'test')
    x_train = torch.as_tensor(encode(codec, tr2d, tr3d)[0])
    x_test = torch.as_tensor(encode(codec, te2d, te3d)[0])
    gt_test = te3d - te3d[:, :1]
    n = len(x_train)
    print(f'{n} training / {len(x_test)} test samples '
          f'({time.time() - t0:.0f} s to load)', flush=True)

    # ---------------------------------------------------------- flows --
    priors, times = {}, {}
    for use_pca in (True, False):
        cfg = dict(flow_cfg.model)
        cfg['prior'] = dict(cfg['prior'],
                            num_bases=cfg['prior']['num_bases']
                            if use_pca else None)
        model = MODELS.build(cfg)
        kept = model.prior.pca.fit(x_train)
        label = f'flow ({"PCA" if use_pca else "no PCA"})'
        times[label] = train(
            model, list(model.prior.parameters()),
            lambda idx, model=model: model.prior.nll(x_train[idx]).mean(),
            n, args,
            args.flow_iters, args.flow_lr, label, flow=True)
        with torch.no_grad():
            test_nll = model.prior.nll(x_test).mean().item()
        print(f'  {label}: {model.prior.pca.out_dim} dims, '
              f'{100 * kept:.2f}% variance, test NLL {test_nll:.2f}',
              flush=True)
        priors[use_pca] = model.prior.state_dict()
        if use_pca:  # the zero-depth reference comes with stage 1
            flat = model.lift(x_test).numpy()
            flat_m = codec.decode(flat, [])['keypoints_3d']

    # ------------------------------------------------------- lifters --
    results = []
    for name, use_pca, bone, elevation in (ROWS[i] for i in args.rows):
        cfg = dict(lift_cfg.model, flow_checkpoint=None,
                   lifter=dict(lift_cfg.model.lifter, elevation=elevation),
                   loss=dict(lift_cfg.model.loss,
                             loss_weights={'bone': 50.0 if bone else 0.0}))
        cfg['prior'] = dict(cfg['prior'],
                            num_bases=cfg['prior']['num_bases']
                            if use_pca else None)
        full = use_pca and bone and elevation
        cfg['num_nll_rotations'] = args.nll_rotations if full else 1
        model = MODELS.build(cfg)
        model.prior.load_state_dict(priors[use_pca])
        params = [p for p in model.parameters() if p.requires_grad]

        def step(idx, model=model):
            return sum(model(x_train[idx][:, None], None, 'loss').values())

        sec = train(model, params, step, n, args, args.iters, args.lr, name)
        with torch.no_grad():
            preds, nlls = [], []
            for s in range(0, len(x_test), 2048):
                x = x_test[s:s + 2048]
                poses, elev = model._lift(x)
                preds.append(poses.numpy())
                if full:
                    nlls.append(model.rotation_nll(poses, elev).numpy())
        pred_m = codec.decode(np.concatenate(preds), [])['keypoints_3d']
        plot = osp.join(args.work_dir, 'nll_vs_error.png') if full else None
        metrics = evaluate(pred_m, gt_test,
                           np.concatenate(nlls) if full else None, plot)
        if model.lifter.predicts_elevation:
            metrics['elev'] = (math.degrees(float(model.elevation_mean)),
                               math.degrees(float(model.elevation_std)))
        results.append((name, metrics, sec))
        print(f'  {name}: PA-MPJPE {metrics["p-mpjpe"]:.1f} mm, '
              f'N-MPJPE {metrics["n-mpjpe"]:.1f} mm ({sec:.0f} s)',
              flush=True)

    # -------------------------------------------------- SimpleBaseline --
    sb_codec = KEYPOINT_CODECS.build(sb_cfg.codec)
    sb_train = load_split(sb_cfg, 'train')
    sb_x, sb_y = encode(sb_codec, *sb_train)
    sb_xt, _ = encode(sb_codec, te2d, te3d, te_cams)
    sb_x, sb_y = torch.as_tensor(sb_x), torch.as_tensor(sb_y)
    sb = MODELS.build(sb_cfg.model)
    with silent_logger():
        sb.init_weights()
    loss_fn = MODELS.build(sb_cfg.model.head.loss)

    def sb_step(idx):
        pred = sb(sb_x[idx][:, None], None, 'tensor')
        weight = torch.ones(pred.shape[:2])
        weight[:, 0] = 0
        return loss_fn(pred, sb_y[idx] / sb_codec.target_scale, weight)

    sb_sec = train(sb, list(sb.parameters()), sb_step, len(sb_x), args,
                   args.iters, 1e-3, 'SimpleBaseline (supervised)')
    with torch.no_grad():
        sb_pred = torch.cat([sb(torch.as_tensor(sb_xt[s:s + 4096])[:, None],
                                None, 'tensor')
                             for s in range(0, len(sb_xt), 4096)]).numpy()
    sb_m = sb_codec.decode(sb_pred, [])['keypoints_3d']
    sb_metrics = evaluate(sb_m, gt_test)
    flat_metrics = evaluate(flat_m, gt_test)

    # ----------------------------------------------------------- table --
    epochs = args.iters * args.batch_size / n
    print()
    print(f'ElePose Table 5 on the embedded CMU data: test subjects 02, 13, '
          f'49 ({len(x_test)} poses, fixed rig, ground-truth 2D). Budget per '
          f'row: {args.iters} updates x batch {args.batch_size} '
          f'(= {epochs:.2f} epochs of {n} samples), Adam lr {args.lr:g}; '
          f'flows {args.flow_iters} updates each. N-MPJPE/N-PCK with the '
          'least-squares scale; errors in mm.')
    head = (f'| {"configuration":44s} | PA-MPJPE | N-MPJPE | N-PCK | AUC  '
            f'|  CPS  | PA / SimpleBaseline | train s |')
    print(head)
    print('|' + '|'.join('-' * (len(c)) for c in head.split('|')[1:-1])
          + '|')
    sb_pa = sb_metrics['p-mpjpe']

    def row(name, m, sec):
        print(f'| {name:44s} | {m["p-mpjpe"]:8.1f} | {m["n-mpjpe"]:7.1f} '
              f'| {m["n-pck"]:5.1f} | {m["n-auc"]:4.1f} | {m["cps"]:5.1f} '
              f'| {m["p-mpjpe"] / sb_pa:19.2f} | {sec:7.0f} |')

    row('flat pose (zero depth, reference)', flat_metrics, 0)
    for name, m, sec in results:
        row(name, m, sec)
    row('SimpleBaseline (supervised, 3D labels)', sb_metrics, sb_sec)
    full = results[-1][1]
    best = min(results, key=lambda r: r[1]['p-mpjpe'])
    print()
    print(f'Best unsupervised row by PA-MPJPE: {best[0]}'
          + ('' if best is results[-1] else
             ' (NOT the full model)'))
    if 'nll_pearson' in full:
        print(f'Full model: NLL of predictions vs PA-MPJPE over {len(x_test)} '
              f'test poses ({args.nll_rotations} rotations each): Pearson '
              f'{full["nll_pearson"]:.3f}, Spearman '
              f'{full["nll_spearman"]:.3f}; plot: '
              f'{osp.join(args.work_dir, "nll_vs_error.png")}')
    for name, m, _ in results:
        if 'elev' in m:
            print(f'Learnt elevation distribution ({name}): mean '
                  f'{m["elev"][0]:.1f} deg, std {m["elev"][1]:.1f} deg')
    print('Flow training: ' + ', '.join(f'{k} {v:.0f} s'
                                          for k, v in times.items())
          + f'; total wall time {time.time() - t0:.0f} s')


if __name__ == '__main__':
    main()
