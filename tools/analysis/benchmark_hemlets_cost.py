"""HEMlets' cost beside the integral baseline's (issue 14 item 7).

Side by side, in one run:

- parameters and forward latency of the ResNet-50 integral 3D baseline
  (``configs/_base_/models/integral3d.py`` on the 18-joint ``'hemlets'``
  skeleton: Table 4's "Baseline") and ResNet-50 HEMlets
  (``configs/_base_/models/hemlets.py``) at the paper's sizes: batch 1,
  256 x 256, ``mode='tensor'`` (backbone + head up to the volume; no flip
  test, no decoding), eval mode, no gradient, on the CPU, median of
  ``--repeats`` after ``--warmup`` untimed runs, and the multiply-
  accumulates of its convolutions (GMACs, a machine-independent measure of
  the same forward); with the ratios HEMlets / baseline. Paper (Sec. 4.3,
  GTX 1080): 34.3M vs 47.7M parameters, 8.5 vs 13.3 ms, ratio 1.56.
- the peak memory of one training step (data preprocessor, forward, loss,
  backward, Adam step: the first, which also allocates the optimizer
  state and gradients) of the CMU quick-start configs at their training
  batch (``configs/hemlets/table4-baseline_r18_cmu.py`` and
  ``configs/hemlets_r18_cmu.py``): each in a fresh process, the resource
  module's maximum resident set size after the step minus the resident set
  size just before it (model, renders and batch already built), so it
  counts what the step itself adds (tracemalloc would miss torch's
  tensors, which are not allocated through Python's allocator).

Example:
    python tools/analysis/benchmark_hemlets_cost.py --repeats 20
"""
import argparse
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import time

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

import numpy as np  # noqa: E402

from benchmark_image_throughput import train_step  # noqa: E402

ROOT = osp.abspath(osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))
MODELS_DIR = osp.join(ROOT, 'configs', '_base_', 'models')
STEP_CONFIGS = (('baseline', 'configs/hemlets/table4-baseline_r18_cmu.py'),
                ('HEMlets', 'configs/hemlets_r18_cmu.py'))
PAPER = dict(baseline=(34.3, 8.5), HEMlets=(47.7, 13.3))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=20,
                        help='timed forward passes (median reported)')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--size', type=int, default=256,
                        help='input width and height (paper: 256)')
    parser.add_argument('--depth', type=int, default=50,
                        help='ResNet depth (paper: 50)')
    parser.add_argument('--batch-size', type=int,
                        help='training-step batch (default: the CMU '
                        "configs' train batch)")
    parser.add_argument('--no-memory', action='store_true',
                        help='skip the training-step memory')
    parser.add_argument('--step-config', help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def r50_models(depth: int):
    """name -> model config at the paper's sizes (18 joints both)."""
    from mmengine.config import Config
    base = Config.fromfile(osp.join(MODELS_DIR, 'integral3d.py')).model
    base.skeleton = 'hemlets'
    base.head.codec.skeleton = 'hemlets'
    hem = Config.fromfile(osp.join(MODELS_DIR, 'hemlets.py')).model
    for model in (base, hem):
        model.backbone.depth = depth
    return dict(baseline=base, HEMlets=hem)


def conv_macs(model, x) -> int:
    """Multiply-accumulates of the (transposed) convolutions and linear
    layers in one forward of ``x`` (the bulk of the arithmetic; BN, ReLU
    and the soft-argmax are left out)."""
    import torch
    from torch import nn
    total = [0]

    def hook(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            k = module.in_channels // module.groups * int(
                np.prod(module.kernel_size))
            total[0] += output.numel() * k
        elif isinstance(module, nn.ConvTranspose2d):
            k = module.out_channels // module.groups * int(
                np.prod(module.kernel_size))
            total[0] += inputs[0].numel() * k
        elif isinstance(module, nn.Linear):
            total[0] += output.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
    with torch.no_grad():
        model(x, mode='tensor')
    for h in handles:
        h.remove()
    return total[0]


def forward_cost(model_cfg, size, repeats, warmup):
    """(parameters, median latency in ms, GMACs) of one ``mode='tensor'``
    forward."""
    import torch
    from pose3d_toolbox.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(model_cfg).eval()
    params = sum(p.numel() for p in model.parameters())
    x = torch.randn(1, 3, size, size)
    gmacs = conv_macs(model, x) / 1e9
    times = []
    with torch.no_grad():
        for i in range(warmup + repeats):
            start = time.perf_counter()
            model(x, mode='tensor')
            if i >= warmup:
                times.append(time.perf_counter() - start)
    return params, 1e3 * float(np.median(times)), gmacs


def rss_bytes() -> int:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def step_memory(config, batch_size=None):
    """MiB the first training step of ``config`` adds to the peak RSS
    (this process must be fresh: the peak is process-wide)."""
    import torch
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    from pose3d_toolbox.registry import DATASETS, MODELS
    cfg = Config.fromfile(osp.join(ROOT, config))
    init_default_scope(cfg.get('default_scope', 'pose3d_toolbox'))
    bs = batch_size or cfg.train_dataloader.batch_size
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset,
                                  max_samples=bs))
    batch = pseudo_collate([dataset[i] for i in range(bs)])
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    before = rss_bytes()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    train_step(model, optimizer, batch)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return dict(batch=bs, step_mib=(peak - before) / 2**20,
                peak_before_exceeded=bool(peak > peak_before))


def main(argv=None):
    args = parse_args(argv)
    import torch
    from mmengine.registry import init_default_scope
    init_default_scope('pose3d_toolbox')
    if args.step_config:
        print(json.dumps(step_memory(args.step_config, args.batch_size)))
        return None
    cost = {name: forward_cost(cfg, args.size, args.repeats, args.warmup)
            for name, cfg in r50_models(args.depth).items()}
    print(f'\nHEMlets vs the integral baseline, ResNet-{args.depth}, '
          f'batch 1, {args.size}x{args.size}, forward (mode=tensor, no '
          f'flip), CPU, torch threads {torch.get_num_threads()}, median of '
          f'{args.repeats}')
    print('| model    | parameters (M) | paper (M) | GMACs | latency (ms) '
          '| paper GTX 1080 (ms) |')
    print('|----------|----------------|-----------|-------|--------------|'
          '---------------------|')
    for name, (params, ms, gmacs) in cost.items():
        p_params, p_ms = PAPER[name]
        print(f'| {name:<8} | {params / 1e6:14.2f} | {p_params:9.1f} | '
              f'{gmacs:5.1f} | {ms:12.1f} | {p_ms:19.1f} |')
    ratio_p, ratio_t, ratio_m = (cost['HEMlets'][i] / cost['baseline'][i]
                                 for i in range(3))
    print(f'| ratio    | {ratio_p:14.2f} | {47.7 / 34.3:9.2f} | '
          f'{ratio_m:5.2f} | {ratio_t:12.2f} | {13.3 / 8.5:19.2f} |')
    result = dict(cost=cost, ratio_params=ratio_p, ratio_latency=ratio_t,
                  ratio_macs=ratio_m)
    if not args.no_memory:
        memory = {}
        for name, config in STEP_CONFIGS:
            cmd = [sys.executable, osp.abspath(__file__), '--step-config',
                   config]
            if args.batch_size:
                cmd += ['--batch-size', str(args.batch_size)]
            out = subprocess.run(cmd, capture_output=True, text=True,
                                 check=True, cwd=ROOT)
            memory[name] = json.loads(out.stdout.strip().splitlines()[-1])
        print('\nOne training step (forward, loss, backward, first Adam '
              'step), CMU quick-start configs, fresh process each: peak '
              'RSS after the step minus RSS before it (resource max RSS)')
        print('| model    | config                                     | '
              'batch | step (MiB) |')
        print('|----------|--------------------------------------------|'
              '-------|------------|')
        for name, config in STEP_CONFIGS:
            m = memory[name]
            print(f'| {name:<8} | {config:<42} | {m["batch"]:5d} | '
                  f'{m["step_mib"]:10.1f} |')
        result['memory'] = memory
    return result


if __name__ == '__main__':
    main()
