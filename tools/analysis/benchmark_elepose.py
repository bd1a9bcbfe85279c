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

Every row is ``configs/elepose*_cmu.py`` run through the Runner
(``train_and_test``: what ``tools/train.py`` and ``tools/test.py`` do, the
configs' batch data path and metrics) with the row's switches and the same
number of updates of the same batch size and learning rate
(``train_cfg=dict(by_epoch=False, max_iters=...)``; the lifters' decay of
0.95 per pass over the training set, per iteration). The two flows (with
and without PCA) are stage-1 runs at their own equal budget (learning rate
/ 10 for the last quarter), written to ``--work-dir`` and loaded by the
lifter rows (``model.flow_checkpoint``). SimpleBaseline
(``configs/simplebaseline3d_cmu.py``, supervised with 3D) gets the same
number of updates. ElePose rows read only the training 2D poses; the flat
pose (stage 1's prediction) is the reference row.

The NLL of each prediction (mean over ``--nll-rotations`` virtual cameras)
is correlated with its PA-MPJPE for the full model, and the Fig. 5 box plot
is saved as a PNG.

Example::

    python tools/analysis/benchmark_elepose.py            # ~1 h
    python tools/analysis/benchmark_elepose.py --iters 200 --flow-iters 200
"""
import argparse
import math
import os.path as osp
import sys
import time
import warnings

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402

from pose3d_toolbox.apis.runner import (add_cfg_options_arg,  # noqa: E402
                                        apply_cfg_options, train_and_test)

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
    add_cfg_options_arg(parser, default={}, note='applied to every run '
                        "after the benchmark's own settings; ")
    return parser.parse_args(argv)


LIFTER_METRICS = [dict(type='PoseErrorMetric', modes=('p-mpjpe', 'n-mpjpe')),
                  dict(type='PCK3DMetric', scale='lstsq'),
                  dict(type='CPSMetric')]


def run_config(config, args, work_dir, iters, lr, scheduler, evaluator,
               model=None, checkpoint=False):
    """``config`` with the benchmark's budget and ``model`` overrides,
    trained and tested through the Runner."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', config))
    cfg.merge_from_dict({f'model.{k}': v for k, v in (model or {}).items()})
    cfg.train_dataloader.batch_size = args.batch_size
    cfg.train_cfg = dict(by_epoch=False, max_iters=iters,
                         val_interval=iters + 1)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.optim_wrapper.optimizer.lr = lr
    cfg.param_scheduler = [dict(scheduler, by_epoch=False)]
    cfg.test_evaluator = evaluator
    cfg.randomness = dict(seed=args.seed)
    cfg.default_hooks.checkpoint = (
        dict(type='SafeCheckpointHook', interval=iters, by_epoch=False)
        if checkpoint else None)
    cfg.default_hooks.logger.interval = max(1, iters // 4)
    cfg.log_processor.by_epoch = False
    cfg.log_level = 'WARNING'
    cfg.work_dir = work_dir
    apply_cfg_options(cfg, args.cfg_options, cfg.filename)
    return train_and_test(cfg)


def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    warnings.filterwarnings('ignore', message='.*flow.*randomly')
    t0 = time.time()

    # ---------------------------------------------------------- flows --
    flows, times = {}, {}
    for use_pca in (True, False):
        label = f'flow ({"PCA" if use_pca else "no PCA"})'
        work_dir = osp.join(args.work_dir,
                            'flow-pca' if use_pca else 'flow-raw')
        run = run_config(
            'elepose-flow_cmu.py', args, work_dir, args.flow_iters,
            args.flow_lr, dict(type='MultiStepLR', gamma=0.1,
                               milestones=[int(0.75 * args.flow_iters)]),
            [dict(type='MeanNLLMetric')] + LIFTER_METRICS,
            model={} if use_pca else {'prior.num_bases': None},
            checkpoint=True)
        pca = run['model'].prior.pca
        flows[use_pca], times[label] = work_dir, run['train_seconds']
        n, n_test = run['train_samples'], len(run['predictions'])
        print(f'  {label}: {pca.out_dim} dims, '
              f'{100 * float(pca.explained_variance):.2f}% variance, test '
              f'NLL {run["metrics"]["nll"]:.2f} ({run["train_seconds"]:.0f} '
              's)', flush=True)
        if use_pca:  # the zero-depth reference comes with stage 1
            flat_metrics = run['metrics']
    per_epoch = max(1, n // args.batch_size)
    decay = dict(type='ExponentialLR', gamma=0.95**(1 / per_epoch))

    # ------------------------------------------------------- lifters --
    results = []
    plot = osp.join(args.work_dir, 'nll_vs_error.png')
    for row in args.rows:
        name, use_pca, bone, elevation = ROWS[row]
        full = use_pca and bone and elevation
        model = {'flow_checkpoint': flows[use_pca],
                 'lifter.elevation': elevation,
                 'loss.loss_weights': {'bone': 50.0 if bone else 0.0},
                 'num_nll_rotations': args.nll_rotations if full else 1}
        if not use_pca:
            model['prior.num_bases'] = None
        run = run_config(
            'elepose_cmu.py', args, osp.join(args.work_dir, f'row{row}'),
            args.iters, args.lr, decay,
            LIFTER_METRICS + ([dict(type='NLLErrorCorrelationMetric',
                                    out_file=plot, bins=(20, 200, 10))]
                              if full else []), model=model)
        metrics, model = dict(run['metrics']), run['model']
        if model.lifter.predicts_elevation:
            metrics['elev'] = (math.degrees(float(model.elevation_mean)),
                               math.degrees(float(model.elevation_std)))
        results.append((name, metrics, run['train_seconds']))
        print(f'  {name}: PA-MPJPE {metrics["p-mpjpe"]:.1f} mm, '
              f'N-MPJPE {metrics["n-mpjpe"]:.1f} mm '
              f'({run["train_seconds"]:.0f} s)', flush=True)

    # -------------------------------------------------- SimpleBaseline --
    run = run_config('simplebaseline3d_cmu.py', args,
                     osp.join(args.work_dir, 'simplebaseline'), args.iters,
                     1e-3, decay, LIFTER_METRICS)
    sb_metrics, sb_sec = run['metrics'], run['train_seconds']

    # ----------------------------------------------------------- table --
    epochs = args.iters * args.batch_size / n
    print()
    print(f'ElePose Table 5 on the embedded CMU data: test subjects 02, 13, '
          f'49 ({n_test} poses, fixed rig, ground-truth 2D). Budget per '
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
        print(f'Full model: NLL of predictions vs PA-MPJPE over {n_test} '
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
    return results


if __name__ == '__main__':
    main()
