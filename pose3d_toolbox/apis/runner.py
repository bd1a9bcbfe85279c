"""What ``tools/train.py`` and ``tools/test.py`` share: common flags, config
set-up and building the Runner."""
import argparse
import gc
import os
import os.path as osp
import re

import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner


_ID_LIKE = re.compile(r'0\d|\d+(_\d+)+$')
_QUOTED = re.compile(r'''(['"]).*\1''', re.S)


def _split_top_level(text: str) -> list:
    """Split ``text`` at the commas outside brackets."""
    parts, depth, start = [], 0, 0
    for idx, char in enumerate(text):
        depth += (char in '([') - (char in ')]')
        if char == ',' and depth == 0:
            parts.append(text[start:idx])
            start = idx + 1
    return parts + [text[start:]]


class IdKeepingDictAction(DictAction):
    """mmengine's ``DictAction``, except that ids stay strings.

    mmengine parses every value that ``int()`` accepts as a number, so the
    CMU subject ``'05'`` became ``5`` and the take ``'05_01'`` became ``501``
    (python reads ``_`` as a digit separator). Here a value stays a string
    when it starts with ``0`` followed by a digit (``05``, ``007``), when it
    is digits joined by underscores (``05_01``, ``1_000``), or when it is
    quoted (``"'3'"`` on the shell gives the string ``'3'``). ``0``, ``0.5``,
    ``12``, ``1e-3``, true/false and None are parsed as before; lists
    ``[a,b]`` and tuples ``(a,b)`` nest as in mmengine.
    """

    @staticmethod
    def _parse_int_float_bool(val: str):
        if _QUOTED.fullmatch(val):
            return val[1:-1]
        if _ID_LIKE.match(val):
            return val
        return DictAction._parse_int_float_bool(val)

    @staticmethod
    def _parse_iterable(val: str):
        val = val.strip()
        if _QUOTED.fullmatch(val):
            return val[1:-1]
        if val[:1] + val[-1:] in ('()', '[]'):
            items = [IdKeepingDictAction._parse_iterable(v)
                     for v in _split_top_level(val[1:-1]) if v.strip()]
            return tuple(items) if val[0] == '(' else items
        if ',' in val:
            return [IdKeepingDictAction._parse_iterable(v)
                    for v in _split_top_level(val)]
        return IdKeepingDictAction._parse_int_float_bool(val)


CFG_OPTIONS_HELP = (
    'override config keys with dotted paths, e.g. train_cfg.max_epochs=1 '
    "train_dataloader.dataset.subjects='[05,06]'. A value with a leading "
    'zero (05) or an underscore between digits (05_01) stays a string, as '
    'does a quoted one ("\'3\'"); other numbers, true/false and None are '
    'parsed. Top-level config variables (max_epochs, data_root) were '
    'already copied into the dotted keys that use them and are refused '
    'with those keys named.')


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Flags every tool takes: work dir, config overrides, launcher."""
    parser.add_argument('--work-dir', help='directory for logs and models')
    parser.add_argument(
        '--cfg-options', nargs='+', action=IdKeepingDictAction,
        help=CFG_OPTIONS_HELP)
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
