"""What ``tools/train.py`` and ``tools/test.py`` share: common flags, config
set-up and building the Runner."""
import argparse
import gc
import os
import os.path as osp

import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Flags every tool takes: work dir, config overrides, launcher."""
    parser.add_argument('--work-dir', help='directory for logs and models')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config keys, e.g. train_cfg.max_epochs=1')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and apply the common flags to it.

    The work directory defaults to ``./work_dirs/<config name>``.
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def build_runner(cfg: Config) -> Runner:
    """Build the config's runner (``runner_type``, default ``Pose3dRunner``).

    Importing :mod:`pose3d_toolbox.engine` allow-lists what mmengine
    checkpoints hold, so resuming works with ``weights_only`` loading.
    """
    from pose3d_toolbox.engine import Pose3dRunner  # noqa: F401
    from pose3d_toolbox.registry import RUNNERS
    cfg.setdefault('runner_type', 'Pose3dRunner')
    return RUNNERS.build(cfg)


def run_runner(cfg: Config, mode: str):
    """Build the runner and call its ``train()`` or ``test()``; return the
    metrics of ``test()`` or the trained (unwrapped) model of ``train()``.

    A distributed run then shuts its process group down while the
    interpreter is still fully alive. Left to the interpreter's exit, the
    gloo group dies with the DDP wrapper that holds it, in whatever order
    finalisation frees objects, and one rank can abort with "terminate
    called without an active exception". So all ranks meet at a barrier,
    drop the DDP wrapper (and with it the last reference to the group),
    collect it, and only then destroy the group.
    """
    runner = build_runner(cfg)
    result = getattr(runner, mode)()
    if is_model_wrapper(result):
        result = result.module
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        if is_model_wrapper(runner.model):
            runner.model = runner.model.module
        del runner
        gc.collect()
        dist.destroy_process_group()
    return result
