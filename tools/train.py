"""Train a model: ``python tools/train.py CONFIG [--work-dir DIR] ...``."""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

from pose3d_toolbox.apis.runner import (add_common_args,  # noqa: E402
                                        load_config, run_runner)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a pose model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or without a value from the '
        'newest complete checkpoint in the work directory')
    parser.add_argument(
        '--amp', action='store_true',
        help='automatic mixed precision: float16 with loss scaling on a GPU '
        '(AmpOptimWrapper), bfloat16 autocast on CPU (CpuBf16OptimWrapper)')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate with the batch size')
    parser.add_argument(
        '--non-strict', action='store_true',
        help='let load_from load a checkpoint that does not fit the model '
        '(the keys that fit); without it that is an error')
    add_common_args(parser)
    return parser.parse_args(argv)


def set_amp(cfg):
    """Switch ``cfg.optim_wrapper`` to mixed precision for this machine:
    mmengine's ``AmpOptimWrapper`` (float16, dynamic loss scale) on a GPU,
    bfloat16 autocast on CPU, or an error saying why CPU autocast cannot
    run, before anything is built."""
    import torch

    from pose3d_toolbox.engine import cpu_bf16_autocast_problem
    if torch.cuda.is_available():
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        return
    problem = cpu_bf16_autocast_problem()
    if problem is not None:
        raise SystemExit(f'--amp: no GPU, and {problem}. Train without '
                         '--amp on this machine.')
    cfg.optim_wrapper.type = 'CpuBf16OptimWrapper'
    print('--amp: no GPU, so forward passes run under bfloat16 autocast on '
          'CPU (CpuBf16OptimWrapper; no loss scaling)')


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args)
    if args.amp:
        set_amp(cfg)
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if args.non_strict:
        cfg.strict_load = False
    run_runner(cfg, 'train')


if __name__ == '__main__':
    main()
