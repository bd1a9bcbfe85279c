"""Evaluate a checkpoint: ``python tools/test.py CONFIG [CHECKPOINT]``.

CONFIG is a config file or a model-zoo name (``python tools/test.py
simplebaseline3d_cmu`` evaluates the published, verified checkpoint with its
config). CHECKPOINT is a ``.pth`` file, an http(s) URL, ``zoo://NAME`` or a
work directory, whose ``last_checkpoint`` (or else its newest complete
checkpoint) is evaluated; without it, the config's default work directory
(``work_dirs/<config name>``, or ``--work-dir``) is used. ``--show-dir DIR``
saves pictures of every ``--show-interval``-th test sample (at most
``--show-max``) to DIR.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))

from pose3d_toolbox.apis.model_zoo import config_and_checkpoint  # noqa
from pose3d_toolbox.apis.runner import (add_common_args,  # noqa: E402
                                        load_config, run_runner)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (evaluate) a model')
    parser.add_argument(
        'config', help='config file, or a model-zoo name (its config and '
        'published checkpoint; tools/misc/list_models.py lists them)')
    parser.add_argument(
        'checkpoint', nargs='?', default=None,
        help='checkpoint file, URL, zoo://NAME, or a work directory: its '
        'last_checkpoint (else its newest complete checkpoint) is used. '
        'Default: the zoo checkpoint of a zoo name, else the work directory '
        'of the training run (work_dirs/<config name> or --work-dir)')
    parser.add_argument(
        '--out', '--dump', dest='out',
        help='pickle every prediction (data samples as dicts) to this file')
    parser.add_argument(
        '--non-strict', action='store_true',
        help='load a checkpoint that does not fit the model (missing, '
        'unexpected or reshaped keys are skipped and logged); without it '
        'such a checkpoint is an error')
    parser.add_argument(
        '--show-dir',
        help='save pictures of test samples here (PNG: the image or the '
        "camera's frame with the 2D skeleton, beside 3D views of the "
        'prediction over the ground truth; Pose3dVisualizationHook)')
    parser.add_argument(
        '--show-interval', type=int, default=50,
        help='with --show-dir: draw every N-th test sample (default 50)')
    parser.add_argument(
        '--show-max', type=int, default=20,
        help='with --show-dir: at most this many pictures (default 20)')
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


def default_checkpoint(cfg, config: str) -> str:
    """The work directory to evaluate when no CHECKPOINT is given: the one
    ``tools/train.py CONFIG`` (with the same ``--work-dir``) trains into.
    Without a training run there the error says what to pass."""
    work_dir = cfg.work_dir
    if not osp.isdir(work_dir):
        raise FileNotFoundError(
            f'tools/test.py {config}: no CHECKPOINT given and no training run '
            f'in {work_dir} (the work directory tools/train.py {config} '
            'writes). Pass a checkpoint file, a work directory, zoo://NAME '
            'or an http(s) URL as the second argument, or train first.')
    return work_dir


def main(argv=None):
    args = parse_args(argv)
    args.config, args.checkpoint = config_and_checkpoint(args.config,
                                                         args.checkpoint)
    cfg = load_config(args)
    checkpoint = args.checkpoint or default_checkpoint(cfg, args.config)
    cfg.load_from = resolve_checkpoint(checkpoint)
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
    if args.show_dir is not None:
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [dict(
            type='Pose3dVisualizationHook', enable=True,
            out_dir=args.show_dir, interval=args.show_interval,
            max_samples=args.show_max)]
    return run_runner(cfg, 'test')


if __name__ == '__main__':
    main()
