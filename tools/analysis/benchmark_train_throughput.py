"""Training and evaluation throughput of the lifters, per-sample path
against batch path.

For SimpleBaseline, VideoPose3D (27 and 243 frames) and Anatomy3D-27 on the
embedded CMU data, one run prints side by side, at each thread count
(``torch.set_num_threads``):

- ``per-sample``: samples per second end to end through the Runner
  (``tools/train.py``'s), batches made one sample at a time in a loader
  worker (``batched=False, num_workers=1, persistent_workers=True``: the
  lifting configs' default before the batch path);
- ``batch``: the same with the configs' default, the batch path in the main
  process (``batched=True, num_workers=0``);
- ``ratio``: batch / per-sample;
- ``data %``: the loader's share of each iteration (mmengine's
  ``data_time / time``), per path;
- ``step``: samples per second of the model's training step alone on one
  ready batch (``model.train_step``): the ceiling of any data path.

Then the evaluation of the CMU test set (``runner.test()``, the config's
test loader and metrics) per path, at one thread, in seconds.

Each measurement is a Runner built from the config (``build_runner``) with
``--cfg-options``-style overrides; an epoch of ``--warmup + --iters``
batches per thread count (warm-up iterations are not counted; the training
subjects are cut to ``--train-subjects`` so the data load stays short).
Example::

    python tools/analysis/benchmark_train_throughput.py --iters 20
    python tools/analysis/benchmark_train_throughput.py \\
        --rows SimpleBaseline --threads 1 --iters 5 --eval-samples 2048
"""
import argparse
import os.path as osp
import sys
import tempfile
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.hooks import Hook

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from pose3d_toolbox.apis.runner import build_runner  # noqa: E402

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
# name: (config, overrides)
ROWS = {
    'SimpleBaseline': ('simplebaseline3d_cmu.py', {}),
    'VideoPose3D-27': ('videopose3d_27frm_cmu.py', {}),
    'VideoPose3D-243': ('videopose3d_27frm_cmu.py', {
        'model.backbone.kernel_sizes': (3, 3, 3, 3, 3),
        'train_dataloader.dataset.seq_len': 243,
        'test_dataloader.dataset.seq_len': 243}),
    'Anatomy3D-27': ('anatomy3d_27frm_cmu.py', {}),
}
PATHS = {  # the data path's loader settings
    'per-sample': {'batched': False, 'num_workers': 1,
                   'persistent_workers': True},
    'batch': {'batched': True, 'num_workers': 0, 'persistent_workers': False},
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rows', nargs='+', default=list(ROWS),
                        choices=list(ROWS))
    parser.add_argument('--threads', nargs='+', type=int, default=[1, 2])
    parser.add_argument('--iters', type=int, default=30,
                        help='timed training iterations per measurement')
    parser.add_argument('--warmup', type=int, default=3,
                        help='untimed iterations before them')
    parser.add_argument('--batch-size', type=int,
                        help="default: the config's")
    parser.add_argument('--train-subjects', nargs='+', default=['05'],
                        help='CMU training subjects loaded (load time only)')
    parser.add_argument('--eval-samples', type=int,
                        help='cut the test set (default: all of it)')
    parser.add_argument('--no-eval', action='store_true')
    return parser.parse_args(argv)


class IterationClock(Hook):
    """Sets the threads of each epoch and keeps mmengine's per-iteration
    ``time`` and ``data_time`` (IterTimerHook's) and the test loop's wall
    time."""

    priority = 'VERY_LOW'  # after IterTimerHook has updated the scalars

    def __init__(self, threads):
        self.threads = threads
        self.times, self.data_times = [], []
        self.test_seconds = None

    def before_train_epoch(self, runner):
        torch.set_num_threads(self.threads[runner.epoch])
        self.times.append([])
        self.data_times.append([])

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        hub = runner.message_hub
        self.times[-1].append(hub.get_scalar('train/time').current())
        self.data_times[-1].append(hub.get_scalar('train/data_time').current())

    def before_test_epoch(self, runner):
        self.test_seconds = time.perf_counter()

    def after_test_epoch(self, runner, metrics=None):
        self.test_seconds = time.perf_counter() - self.test_seconds


def row_config(name, path, args, work_dir):
    """The row's config with the path's loader settings and a short
    schedule: one epoch of ``warmup + iters`` batches per thread count."""
    config, overrides = ROWS[name]
    cfg = Config.fromfile(osp.join(REPO, 'configs', config))
    batch_size = args.batch_size or cfg.train_dataloader.batch_size
    options = dict(overrides)
    options.update({
        'train_dataloader.batch_size': batch_size,
        'train_dataloader.dataset.subjects': list(args.train_subjects),
        'train_dataloader.dataset.max_samples':
            (args.warmup + args.iters) * batch_size,
        'train_cfg.max_epochs': len(args.threads),
        'train_cfg.val_interval': 10**6,
        'param_scheduler': [],
        'default_hooks.checkpoint': None,
        'default_hooks.logger.interval': 10**6,
        'log_level': 'WARNING',
        'work_dir': work_dir,
    })
    if args.eval_samples:
        options['test_dataloader.dataset.max_samples'] = args.eval_samples
    for loader in ('train_dataloader', 'test_dataloader'):
        settings = PATHS[path]
        options[f'{loader}.dataset.batched'] = settings['batched']
        options[f'{loader}.num_workers'] = settings['num_workers']
        options[f'{loader}.persistent_workers'] = \
            settings['persistent_workers']
    cfg.merge_from_dict(options)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    return cfg, batch_size


def bare_step(runner, batch, iters, threads):
    """Samples per second of ``model.train_step`` alone on one batch."""
    torch.set_num_threads(threads)
    model, optim = runner.model, runner.optim_wrapper
    model.train_step(batch, optim)
    start = time.perf_counter()
    for _ in range(iters):
        model.train_step(batch, optim)
    size = len(batch['data_samples'])
    return size * iters / (time.perf_counter() - start)


def measure(name, path, args):
    """Train (each thread count one epoch), then test; return the row."""
    with tempfile.TemporaryDirectory() as work_dir:
        cfg, batch_size = row_config(name, path, args, work_dir)
        runner = build_runner(cfg)
        clock = IterationClock(args.threads)
        runner.register_hook(clock)
        runner.train()
        out = {}
        for threads, times, data in zip(args.threads, clock.times,
                                        clock.data_times):
            times = np.asarray(times[args.warmup:])
            data = np.asarray(data[args.warmup:])
            out[threads] = dict(samples_s=batch_size / times.mean(),
                                data_share=data.sum() / times.sum())
        if path == 'batch':
            loader = runner.train_dataloader
            batch = loader.collate_fn(loader.dataset.__getitems__(
                list(range(batch_size))))
            for threads in args.threads:
                out[threads]['step_s'] = bare_step(runner, batch,
                                                   max(args.iters // 3, 2),
                                                   threads)
        if not args.no_eval:
            torch.set_num_threads(1)
            runner.test()
            out['eval_s'] = clock.test_seconds
            out['eval_n'] = len(runner.test_dataloader.dataset)
        return out


def main(argv=None):
    args = parse_args(argv)
    results = {}
    for name in args.rows:
        for path in PATHS:
            out = results.setdefault(name, {})[path] = measure(name, path,
                                                               args)
            print(f'{name}, {path} path: ' + ', '.join(
                f'{t} thread(s) {out[t]["samples_s"]:.0f} samples/s'
                for t in args.threads) + (
                f', test set {out["eval_s"]:.1f} s' if 'eval_s' in out
                else ''), flush=True)
    print_tables(args, results)
    return results


def print_tables(args, results):
    head = (f'{"model":<16} {"thr":>3} {"per-sample/s":>12} {"batch/s":>9} '
            f'{"ratio":>6} {"data% ps":>8} {"data% b":>8} {"step/s":>8}')
    print(f'\nTraining throughput, samples/s end to end through the Runner '
          f'({args.iters} iterations after {args.warmup} warm-up)')
    print(head)
    print('-' * len(head))
    for name, by_path in results.items():
        for threads in args.threads:
            ps, b = by_path['per-sample'][threads], by_path['batch'][threads]
            print(f'{name:<16} {threads:>3} {ps["samples_s"]:>12.0f} '
                  f'{b["samples_s"]:>9.0f} '
                  f'{b["samples_s"] / ps["samples_s"]:>6.2f} '
                  f'{100 * ps["data_share"]:>7.1f}% '
                  f'{100 * b["data_share"]:>7.1f}% {b["step_s"]:>8.0f}')
    if args.no_eval:
        return
    print('\nEvaluation of the CMU test set (1 thread, runner.test())')
    head = (f'{"model":<16} {"samples":>7} {"per-sample s":>12} '
            f'{"batch s":>8} {"ratio":>6}')
    print(head)
    print('-' * len(head))
    for name, by_path in results.items():
        ps, b = by_path['per-sample'], by_path['batch']
        print(f'{name:<16} {b["eval_n"]:>7} {ps["eval_s"]:>12.2f} '
              f'{b["eval_s"]:>8.2f} {ps["eval_s"] / b["eval_s"]:>6.2f}')


if __name__ == '__main__':
    main()
