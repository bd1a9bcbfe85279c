"""Training speed of a config at several torch thread settings, with and
without another busy process on the machine.

Each setting trains ``--iters`` iterations through the Runner (the config's
model, data, loaders and optimiser; no validation, no checkpoints) in a
fresh process, with ``env_cfg.num_threads`` set to it (``auto`` is the
toolbox's rule, ``default`` torch's own choice) and ``OMP_NUM_THREADS``
removed from its environment. ``--busy 0 1`` repeats every setting with one
extra process spinning on a core (``while True: pass``), killed after. It
prints seconds per iteration (mean after ``--warmup`` iterations), the
share of ``data_time``, the threads and loader workers the run used, and
the 1-minute load average before the run started. Example::

    python tools/analysis/benchmark_threads.py configs/simplebaseline3d_cmu.py
    python tools/analysis/benchmark_threads.py configs/integral2d_r18_cmu.py \\
        --iters 30 --threads 1 2 auto --busy 0 1
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

ROOT = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..')
sys.path.insert(0, ROOT)

from mmengine.config import Config  # noqa: E402

from pose3d_toolbox.apis.runner import (add_cfg_options_arg,  # noqa: E402
                                        apply_cfg_options, build_runner)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('--iters', type=int, default=40)
    parser.add_argument('--warmup', type=int, default=5,
                        help='first iterations left out of the mean')
    parser.add_argument('--threads', nargs='+', default=['1', '2', 'auto'],
                        help="ints, 'auto' or 'default'")
    parser.add_argument('--busy', nargs='+', type=int, default=[0, 1],
                        help='extra busy processes for each setting')
    add_cfg_options_arg(parser, default={},
                        note='applied to every setting; ')
    parser.add_argument('--child', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # the words after --cfg-options, passed on unchanged to each setting's
    # process (which parses them with the same action)
    words = argparse.ArgumentParser(add_help=False)
    words.add_argument('--cfg-options', nargs='+', default=[])
    args.cfg_option_words = words.parse_known_args(argv)[0].cfg_options
    return args


def config_with_options(args):
    """``args.config`` with ``--cfg-options`` applied as every tool does
    (ids keep their leading zeros; keys that would change nothing are
    refused)."""
    return apply_cfg_options(Config.fromfile(args.config), args.cfg_options,
                             args.config)


def child(args):
    """Train ``--iters`` iterations at thread setting ``args.child``; print
    one JSON line with the timings."""
    cfg = config_with_options(args)
    setting = {'auto': 'auto', 'default': None}.get(args.child)
    cfg.env_cfg.num_threads = int(args.child) if setting is None and \
        args.child != 'default' else setting
    cfg.work_dir = tempfile.mkdtemp(prefix='benchmark_threads_')
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=args.iters)
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator',
                'test_dataloader', 'test_cfg', 'test_evaluator',
                'param_scheduler', 'load_from'):
        cfg[key] = None
    cfg.resume = False
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=args.iters)
    runner = build_runner(cfg)
    start = time.perf_counter()
    runner.train()
    wall = time.perf_counter() - start
    hub = runner.message_hub
    times = hub.get_scalar('train/time').data[0][args.warmup:]
    data = hub.get_scalar('train/data_time').data[0][args.warmup:]
    import torch
    print('RESULT ' + json.dumps(dict(
        s_per_iter=float(times.mean()), data_share=float(
            data.sum() / times.sum()), wall=wall,
        threads=torch.get_num_threads(),
        workers=runner.train_dataloader.num_workers)), flush=True)


def run_setting(args, threads, busy):
    spinners = [subprocess.Popen([sys.executable, '-c', 'while True: pass'])
                for _ in range(busy)]
    try:
        if spinners:
            time.sleep(2)  # let the spinner take its core
        load = os.getloadavg()[0]
        env = {k: v for k, v in os.environ.items() if k != 'OMP_NUM_THREADS'}
        env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
        cmd = [sys.executable, osp.abspath(__file__), args.config,
               '--iters', str(args.iters), '--warmup', str(args.warmup),
               '--child', threads]
        if args.cfg_option_words:
            cmd += ['--cfg-options', *args.cfg_option_words]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    lines = [ln for ln in proc.stdout.splitlines()
             if ln.startswith('RESULT ')]
    if proc.returncode or not lines:
        raise SystemExit(f'setting {threads} failed:\n{proc.stdout[-3000:]}'
                         f'\n{proc.stderr[-3000:]}')
    return dict(json.loads(lines[-1][len('RESULT '):]), load=load)


def main(argv=None):
    args = parse_args(argv)
    if args.child is not None:
        return child(args)
    config_with_options(args)  # a refused option stops here, not per setting
    print(f'{args.config}: {args.iters} iterations per setting, mean after '
          f'{args.warmup}; {os.cpu_count()} CPUs')
    print(f'{"threads":>8s} {"busy":>5s} {"load":>6s} {"s/iter":>8s} '
          f'{"data %":>7s} {"used":>5s} {"workers":>8s}')
    for busy in args.busy:
        for threads in args.threads:
            r = run_setting(args, threads, busy)
            print(f'{threads:>8s} {busy:5d} {r["load"]:6.2f} '
                  f'{r["s_per_iter"]:8.3f} {100 * r["data_share"]:6.1f}% '
                  f'{r["threads"]:5d} {r["workers"]:8d}', flush=True)


if __name__ == '__main__':
    main()
