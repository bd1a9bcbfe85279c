"""The image -> 3D ablations on the embedded CMU renders, one command, one
table each: HEMlets' Table 4 (``--table hemlets``, the default) and the
depth-aware heatmaps' Table 4 (``--table depthaware``: without depth-aware
heatmaps (DH) and scale-aware features (SF), with one of them, with both;
all on 3D data, the renders have no separate 2D set).

HEMlets' four rows are the configs ``configs/hemlets/table4-{baseline,2d,hem,
full}_r18_cmu.py``: the integral 3D baseline (no HEMlets branch, ``L_3D``
only), then the HEMlets head trained with ``alpha L_2D + L_3D``,
``alpha L_HEM + L_3D`` and ``alpha (L_HEM + L_2D) + L_3D`` (Eq. 8). Every
row has the same data, input size, schedule, number of updates and seed
(``--epochs`` epochs of the configs' batch of 16, the learning rate
divided by 10 for the last 2 epochs), and is trained and tested through
the Runner (``train_and_test``: what ``tools/train.py CONFIG`` followed by
``tools/test.py`` does). The test set is the CMU test subjects (fixed
rig, every 20th frame); the root depth comes from the bone-length fit, not
the ground truth, so MPJPE (root-aligned) and PA-MPJPE are the columns to
compare with the paper's Protocol #1 numbers, MRPE is the root estimate's
error and the 2D error is in image pixels; the mean training pose's error
on the same test samples is printed as the floor (a row near it learned
no pose from the image). ``--seed-rows`` are trained
again with ``--extra-seeds`` and a seed check is printed: a difference
between rows smaller than the spread between seeds is not a finding.

With ``--work-dir DIR`` every run keeps its work directory
(``DIR/<row>_seed<seed>``: log, checkpoints) and its numbers
(``results.json``); a run whose ``results.json`` exists is read back
instead of trained again, so an interrupted command resumes where it
stopped. Example::

    python tools/analysis/benchmark_image_ablation.py --work-dir \\
        work_dirs/hemlets_table4                 # 6 runs x ~10 min, 1 core
    python tools/analysis/benchmark_image_ablation.py --epochs 1 \\
        --extra-seeds                            # a quick look, no seeds
    python tools/analysis/benchmark_image_ablation.py --table depthaware \
        --work-dir work_dirs/depthaware_table4

The papers' numbers (Human3.6M, ResNet-50 at 256 x 256) are printed beside
ours for orientation; the values are not comparable, the ordering is the
finding. A table is a :data:`TABLES` entry: per row the config, what
trains and the paper's number.
"""
import argparse
import json
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
from pose3d_toolbox.utils.atomic import atomic_write  # noqa: E402

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
# table: (title, {row: (config under configs/, what trains, the paper's
#         number)}, the paper's ordering); the first row is the baseline of
#         the ratios and the seed check
TABLES = {
    'hemlets': ('HEMlets Table 4', {
        'baseline': ('hemlets/table4-baseline_r18_cmu.py', 'L_3D', 47.1),
        '2d': ('hemlets/table4-2d_r18_cmu.py', 'a L_2D + L_3D', 44.2),
        'hem': ('hemlets/table4-hem_r18_cmu.py', 'a L_HEM + L_3D', 42.6),
        'full': ('hemlets/table4-full_r18_cmu.py', 'a (L_HEM + L_2D) + L_3D',
                 39.9),
    }, 'baseline > 2d > hem > full'),
    # the paper's Table 4 gives "Protocol 1 / Protocol 2" per row; it has no
    # 3D-only row with both DH and SF (its full model adds 2D data)
    'depthaware': ('Depth-aware heatmaps Table 4', {
        'baseline': ('depthaware/table4-wo-dh-sf_r18_cmu.py',
                     'wo DH, SF', '38.9 / 54.3'),
        'wo-dh': ('depthaware/table4-wo-dh_r18_cmu.py', 'SF only',
                  '38.6 / 53.7'),
        'wo-sf': ('depthaware/table4-wo-sf_r18_cmu.py', 'DH only',
                  '38.4 / 53.1'),
        'full': ('depthaware_r18_cmu.py', 'DH and SF', '-'),
    }, 'baseline > wo-dh, wo-sf > full'),
}
COLUMNS = (('mpjpe', 'MPJPE (mm)'), ('p-mpjpe', 'PA-MPJPE (mm)'),
           ('mrpe', 'MRPE (mm)'), ('error_2d_px', '2D error (px)'))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--table', default='hemlets', choices=list(TABLES))
    parser.add_argument('--rows', nargs='+', default=None,
                        help='default: all rows of the table')
    parser.add_argument('--epochs', type=int, default=None,
                        help='epochs per row (default: the configs\' 10)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--extra-seeds', type=int, nargs='*', default=[1],
                        help='train --seed-rows again with these seeds')
    parser.add_argument('--seed-rows', nargs='*', default=None,
                        help='rows of the seed check (default: the first '
                        'and the last)')
    parser.add_argument('--work-dir', default=None,
                        help='keep each run in DIR/<row>_seed<seed> and '
                        'skip runs already there (default: temporary)')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads of the training process')
    add_cfg_options_arg(parser, default={}, note='applied to every row; ')
    args = parser.parse_args(argv)
    rows = list(TABLES[args.table][1])
    args.rows = args.rows or rows
    if args.seed_rows is None:
        args.seed_rows = [rows[0], rows[-1]]
    unknown = sorted(set(args.rows + args.seed_rows) - set(rows))
    if unknown:
        parser.error(f'--table {args.table} has no rows {unknown}; its rows: '
                     f'{rows}')
    return args


def row_config(name: str, args, seed: int, work_dir: str) -> Config:
    """The row's config with the benchmark's seed, epochs and overrides."""
    path = osp.join(REPO, 'configs', TABLES[args.table][1][name][0])
    cfg = Config.fromfile(path)
    options = {'randomness.seed': seed}
    if args.epochs is not None:
        options['train_cfg.max_epochs'] = args.epochs
    apply_cfg_options(cfg, dict(options, **args.cfg_options), path)
    # evaluated once, after training, by the test loop
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.work_dir = work_dir
    cfg.log_level = 'WARNING'
    return cfg


def run_row(name: str, args, seed: int) -> dict:
    """Train and test one row (or read back a finished run's numbers)."""
    if args.work_dir is None:
        with tempfile.TemporaryDirectory() as work_dir:
            return _train_and_test(name, args, seed, work_dir)
    work_dir = osp.join(args.work_dir, f'{name}_seed{seed}')
    done = osp.join(work_dir, 'results.json')
    if osp.exists(done):
        with open(done) as f:
            return json.load(f)
    result = _train_and_test(name, args, seed, work_dir)
    with atomic_write(done) as f:
        json.dump(result, f, indent=1)
    return result


def _train_and_test(name, args, seed, work_dir) -> dict:
    cfg = row_config(name, args, seed, work_dir)
    run = train_and_test(cfg)
    out = {key: float(run['metrics'][key]) for key, _ in COLUMNS}
    out.update(train_s=run['train_seconds'], params=run['params'],
               n_test=len(run['predictions']),
               epochs=cfg.train_cfg.max_epochs,
               batch_size=cfg.train_dataloader.batch_size,
               train_samples=run['train_samples'])
    return out


def mean_pose_reference(args) -> dict:
    """MPJPE and PA-MPJPE (mm) of the mean root-relative training pose
    (camera space) on the test set: the error of a model that learned no
    pose from the image (the floor every row should beat)."""
    from mmengine.registry import init_default_scope

    from pose3d_toolbox.evaluation.functional import mpjpe, pa_mpjpe
    from pose3d_toolbox.registry import DATASETS
    init_default_scope('pose3d_toolbox')
    cfg = row_config(next(iter(TABLES[args.table][1])), args, args.seed,
                     None)

    def poses(loader):
        ds = DATASETS.build(dict(cfg[loader].dataset, pipeline=[]))
        out = []
        for i in range(len(ds)):
            info = ds.pose_info(i)
            pose = np.asarray(info['keypoints_3d'])[info['target_index']]
            out.append(pose - pose[info['root_index']])
        return np.stack(out)

    test = poses('test_dataloader')
    guess = np.broadcast_to(poses('train_dataloader').mean(0),
                            test.shape).copy()
    # the datasets' 17 Human3.6M joints, the ones the rows are scored on
    return dict(mpjpe=float(np.mean(mpjpe(guess, test))),
                pa_mpjpe=float(np.mean(pa_mpjpe(guess, test))))


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f'torch {torch.__version__}, Python {platform.python_version()}, '
          f'{torch.get_num_threads()} thread(s)', flush=True)
    runs = [(name, args.seed) for name in args.rows] + [
        (name, seed) for seed in args.extra_seeds for name in args.seed_rows
        if name in args.rows and seed != args.seed]
    results, seed_check = {}, {}
    for name, seed in runs:
        print(f'row {name}, seed {seed}', flush=True)
        r = run_row(name, args, seed)
        print('  -> ' + ', '.join(f'{k} {r[k]:.2f}' for k, _ in COLUMNS),
              flush=True)
        if seed == args.seed:
            results[name] = r
        if name in args.seed_rows:
            seed_check.setdefault(name, []).append(r['mpjpe'])
    print_table(args, results)
    ref = mean_pose_reference(args)
    print(f'Reference: the mean training pose scores {ref["mpjpe"]:.1f} mm '
          f'MPJPE / {ref["pa_mpjpe"]:.1f} mm PA-MPJPE on the same test '
          'samples.', flush=True)
    print_seed_check(seed_check, args.seed, args.extra_seeds)
    return dict(rows=results, seed_check=seed_check, mean_pose=ref)


def print_table(args, results):
    title, rows, paper_order = TABLES[args.table]
    first = next(iter(results.values()))
    print()
    print(f'{title} on the embedded CMU renders: every row '
          f'{first["epochs"]} epochs x {first["train_samples"]} samples, '
          f'batch {first["batch_size"]}, seed {args.seed}; test subjects '
          f'02/13/49, {first["n_test"]} samples; root depth from the '
          'bone-length fit; trained and tested through the Runner')
    print('| row | trains | ' + ' | '.join(t for _, t in COLUMNS) +
          ' | MPJPE / baseline | params | train s | paper H36M (mm) |')
    print('|' + '---|' * (len(COLUMNS) + 6))
    base = results.get(next(iter(rows)))
    for name, r in results.items():
        config, trains, paper = rows[name]
        ratio = f'{r["mpjpe"] / base["mpjpe"]:.3f}' if base else ''
        print(f'| {name} | {trains} | ' +
              ' | '.join(f'{r[k]:.1f}' for k, _ in COLUMNS) +
              f' | {ratio} | {r["params"] / 1e6:.2f}M | '
              f'{r["train_s"]:.0f} | {paper} |')
    order = sorted(results, key=lambda n: -results[n]['mpjpe'])
    print('Ordering by MPJPE (worst to best): ' + ' > '.join(order) +
          f'; the paper\'s: {paper_order}.', flush=True)


if __name__ == '__main__':
    main()
