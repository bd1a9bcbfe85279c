"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT``.

CHECKPOINT is a ``.pth`` file or a work directory, whose ``last_checkpoint``
(or else its newest complete checkpoint) is evaluated.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

from pose3d_toolbox.apis.runner import (add_common_args,  # noqa: E402
                                        load_config, run_runner)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument(
        'checkpoint', help='checkpoint file, or a work directory: its '
        'last_checkpoint (else its newest complete checkpoint) is used')
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


def resolve_checkpoint(path: str) -> str:
    """The checkpoint file ``path`` names: itself, or for a work directory
    its ``last_checkpoint`` or newest complete checkpoint. A missing file or
    a directory without one is an error naming what to pass instead."""
    from pose3d_toolbox.engine.checkpoint import find_latest_checkpoint
    if '://' in path or osp.isfile(path):
        return path
    if osp.isdir(path):
        found = find_latest_checkpoint(path)
        if found is None:
            raise FileNotFoundError(
                f'tools/test.py: the work directory {path} holds no complete '
                'checkpoint (no last_checkpoint, no complete *.pth). Train '
                'first (tools/train.py CONFIG --work-dir '
                f'{path}) or pass a checkpoint file.')
        return found
    parent = osp.dirname(path) or '.'
    hint = (f' The work directory {parent} exists: pass it to use its '
            'last_checkpoint.' if osp.isdir(parent) else
            ' Pass a checkpoint file or the work directory of a training '
            'run (tools/test.py CONFIG work_dirs/NAME).')
    raise FileNotFoundError(
        f'tools/test.py: checkpoint {path} does not exist.{hint}')


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args)
    cfg.load_from = resolve_checkpoint(args.checkpoint)
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
