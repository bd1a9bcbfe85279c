"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT``."""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

from pose3d_toolbox.apis.runner import (add_common_args,  # noqa: E402
                                        load_config, run_runner)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out', '--dump', dest='out',
        help='pickle every prediction (data samples as dicts) to this file')
    parser.add_argument(
        '--non-strict', action='store_true',
        help='load a checkpoint that does not fit the model (missing, '
        'unexpected or reshaped keys are skipped and logged); without it '
        'such a checkpoint is an error')
    add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.non_strict:
        cfg.strict_load = False
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out {args.out}: the file must end in .pkl')
        evaluators = cfg.test_evaluator
        if isinstance(evaluators, dict):
            evaluators = [evaluators]
        cfg.test_evaluator = list(evaluators) + [
            dict(type='AtomicDumpResults', out_file_path=args.out)]
    return run_runner(cfg, 'test')


if __name__ == '__main__':
    main()
