"""What ``tools/train.py`` and ``tools/test.py`` share: common flags, config
set-up and building the Runner."""
import argparse
import copy
import difflib
import gc
import inspect
import os
import os.path as osp
import re
import time
from typing import Optional

import numpy as np
import torch.distributed as dist
from mmengine.config import Config, ConfigDict, DictAction
from mmengine.hooks import Hook
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


def add_cfg_options_arg(parser: argparse.ArgumentParser, note: str = '',
                        default: Optional[dict] = None) -> None:
    """``--cfg-options KEY=VALUE ...``, parsed by :class:`IdKeepingDictAction`
    (every tool that takes config overrides uses this one flag, and merges
    it with :func:`apply_cfg_options`).

    Args:
        parser: the tool's parser.
        note: said before the common help (e.g. when the tool applies the
            options: ``'applied to every row after the benchmark's own
            settings; '``).
        default: the value without the flag (None, or ``{}`` for tools
            that merge it with their own options).
    """
    parser.add_argument('--cfg-options', nargs='+',
                        action=IdKeepingDictAction, default=default,
                        help=note + CFG_OPTIONS_HELP)


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Flags every tool takes: work dir, config overrides, launcher."""
    parser.add_argument('--work-dir', help='directory for logs and models')
    add_cfg_options_arg(parser)
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


# Top-level keys something reads: mmengine's Runner (its arguments) and the
# toolbox (Pose3dRunner, the tools). Every other top-level name in a config
# is a variable that other keys copied when the file was read.
RUNTIME_KEYS = frozenset(inspect.signature(Runner.__init__).parameters) - {
    'self', 'cfg'} | {'runner_type', 'strict_load', 'find_unused_parameters',
                      'custom_imports', 'model_wrapper_cfg', 'compile'}


def _leaves(node, prefix=''):
    """Yield (dotted key, value) of every leaf of a config dict/list."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f'{prefix}{key}.')
    elif isinstance(node, (list, tuple)):
        for idx, value in enumerate(node):
            yield from _leaves(value, f'{prefix}{idx}.')
    else:
        yield prefix[:-1], node


def _get_path(cfg, key: str):
    """The value at dotted ``key`` (list items by index), or None."""
    node = cfg._cfg_dict if isinstance(cfg, Config) else cfg
    for part in key.split('.'):
        if isinstance(node, (list, tuple)) and part.isdigit() and \
                int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def _keys_named(cfg: Config, name: str) -> list:
    """Dotted keys under the runtime keys whose last part is ``name``."""
    return [key for top in sorted(RUNTIME_KEYS & set(cfg.keys()))
            for key, _ in _leaves(cfg[top], f'{top}.')
            if key.split('.')[-1] == name]


def _copies_of(cfg: Config, value) -> list:
    """Dotted keys under the runtime keys holding ``value`` (equal scalars
    of the same type; strings that start with it, e.g. a ``data_root``
    that paths were built from)."""
    found = []
    for top in sorted(RUNTIME_KEYS & set(cfg.keys())):
        for key, leaf in _leaves(cfg[top], f'{top}.'):
            if type(leaf) is type(value) and (leaf == value or (
                    isinstance(value, str) and value
                    and leaf.startswith(value))):
                found.append(key)
    return found


def check_cfg_options(cfg: Config, options: dict, config_file: str) -> None:
    """Refuse ``--cfg-options`` keys that would change nothing.

    A config's top-level variables (``max_epochs = 3``, ``data_root = ...``)
    are copied into the keys that use them (``train_cfg.max_epochs``, the
    datasets' paths) when the file is read; overriding the variable
    afterwards is silently ignored. Such a key, and any top-level name that
    no runner reads (e.g. a typo), is an error naming the keys to set.
    """
    for key in options:
        top = key.split('.')[0]
        if top in RUNTIME_KEYS:
            continue
        named = _keys_named(cfg, key.split('.')[-1])
        if top not in cfg:
            close = difflib.get_close_matches(top, sorted(RUNTIME_KEYS), n=3,
                                              cutoff=0.75)
            hint = (f' Keys named {key.split(".")[-1]!r}: '
                    f'{", ".join(named)}.' if named else '')
            hint += f' Did you mean {" or ".join(close)}?' if close else ''
            raise SystemExit(
                f'--cfg-options {key}: {config_file} has no {top!r} and the '
                f'runner reads no such key, so it would change nothing.'
                f'{hint} Top-level keys the runner reads: '
                f'{", ".join(sorted(RUNTIME_KEYS))}.')
        old = _get_path(cfg, key)
        if named:
            where = ('Set the keys that use it instead: '
                     + ' '.join(f'{k}=...' for k in named) + '.')
            if 'train_cfg.max_epochs' in named:
                where += (' Epoch-based schedules (T_max, end) and a '
                          'val_interval equal to max_epochs follow '
                          'train_cfg.max_epochs.')
        else:
            copies = [] if old is None or isinstance(old, (dict, list)) \
                else _copies_of(cfg, old)
            where = (f'Set the keys that hold its value ({old!r}) instead: '
                     + ' '.join(f'{c}=...' for c in copies) + '.'
                     ) if copies else (
                'Set the dotted keys that use it instead (e.g. '
                'train_dataloader.dataset.<key>).')
        raise SystemExit(
            f'--cfg-options {key}: {top!r} is a top-level variable of '
            f'{config_file}; its value was copied into the keys that use it '
            f'when the config was read, so overriding it changes nothing. '
            f'{where}')


def scale_milestones(milestones, old_epochs: int, new_epochs: int) -> list:
    """``MultiStepLR`` milestones moved to the same fraction of a new run
    length: ``max(1, round(m * new / old))``.

    >>> scale_milestones([8], 10, 5)   # last 2 of 10 epochs -> last of 5
    [4]
    >>> scale_milestones([2], 3, 1)    # a 1-epoch run keeps the first rate
    [1]
    """
    return [max(1, int(round(m * new_epochs / old_epochs)))
            for m in milestones]


def tie_epoch_schedule(cfg: Config, options: dict, old_epochs) -> list:
    """Make the schedule follow a shortened (or lengthened)
    ``train_cfg.max_epochs``.

    Configs write ``T_max=max_epochs, end=max_epochs`` (and
    ``val_interval=max_epochs``); after ``--cfg-options
    train_cfg.max_epochs=1`` those stayed at the old value, so the cosine
    schedule never annealed. Every epoch-based scheduler's ``T_max``/``end``
    and the ``val_interval`` equal to the config's ``max_epochs`` follow the
    new one, and ``MultiStepLR`` milestones keep their fraction of the run
    (:func:`scale_milestones`), unless the option set them too. Returns the
    changes made.
    """
    new_epochs = cfg.train_cfg.get('max_epochs')
    if 'train_cfg.max_epochs' not in options or new_epochs == old_epochs \
            or not cfg.train_cfg.get('by_epoch', True):
        return []
    changed = []
    if cfg.train_cfg.get('val_interval') == old_epochs and \
            'train_cfg.val_interval' not in options:
        cfg.train_cfg.val_interval = new_epochs
        changed.append('train_cfg.val_interval')
    schedulers = cfg.get('param_scheduler') or []
    listed = isinstance(schedulers, (list, tuple))
    for idx, sched in enumerate(schedulers if listed else [schedulers]):
        if not sched.get('by_epoch', True):
            continue
        prefix = f'param_scheduler.{idx}.' if listed else 'param_scheduler.'
        for name in ('T_max', 'end'):
            if sched.get(name) == old_epochs and prefix + name not in options:
                sched[name] = new_epochs
                changed.append(prefix + name)
        if sched.get('milestones') and prefix + 'milestones' not in options:
            scaled = scale_milestones(sched['milestones'], old_epochs,
                                      new_epochs)
            if scaled != list(sched['milestones']):
                sched['milestones'] = scaled
                changed.append(prefix + 'milestones')
    if changed:
        print(f'--cfg-options train_cfg.max_epochs={new_epochs}: '
              f'{", ".join(changed)} followed it ({old_epochs} -> '
              f'{new_epochs}); set them explicitly to keep other values')
    return changed


def apply_cfg_options(cfg: Config, options: Optional[dict],
                      config_file: str) -> Config:
    """Merge ``--cfg-options`` into ``cfg`` as every tool does: keys that
    would change nothing are refused (:func:`check_cfg_options`) and a new
    ``train_cfg.max_epochs`` carries the epoch-based schedule with it
    (:func:`tie_epoch_schedule`)."""
    if not options:
        return cfg
    check_cfg_options(cfg, options, config_file)
    train_cfg = cfg.get('train_cfg')
    old_epochs = train_cfg.get('max_epochs') if isinstance(
        train_cfg, (dict, ConfigDict)) else None
    cfg.merge_from_dict(copy.deepcopy(options))
    if old_epochs is not None:
        tie_epoch_schedule(cfg, options, old_epochs)
    return cfg


def load_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and apply the common flags to it.

    ``--cfg-options`` keys that would change nothing are refused
    (:func:`check_cfg_options`), and a new ``train_cfg.max_epochs`` carries
    the epoch-based schedule with it (:func:`tie_epoch_schedule`). The work
    directory defaults to ``./work_dirs/<config name>``.
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    apply_cfg_options(cfg, args.cfg_options, args.config)
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


class _RunRecorder(Hook):
    """Times training (``before_train`` .. ``after_train``: data loading
    excluded) and keeps the test loop's predictions."""

    priority = 'VERY_LOW'

    def __init__(self):
        self.predictions, self.train_seconds, self._start = [], None, None
        self.train_samples = None

    def before_train(self, runner) -> None:
        self.train_samples = len(runner.train_dataloader.dataset)
        self._start = time.perf_counter()

    def after_train(self, runner) -> None:
        self.train_seconds = time.perf_counter() - self._start

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None) -> None:
        self.predictions.extend(outputs)


def train_and_test(cfg: Config) -> dict:
    """Train a config's model as ``tools/train.py`` does, then test the
    trained model as ``tools/test.py`` does, in this process.

    What the benchmarks tabulate: every row is a config (plus overrides)
    run through the Runner, so ``tools/train.py CONFIG --cfg-options ...``
    reproduces it.

    Returns:
        dict with ``metrics`` (the test evaluator's), ``predictions`` (the
        test data samples with their ``pred_*`` fields), ``train_seconds``
        (``before_train`` to ``after_train``), ``train_samples`` (the
        training set's size), ``params`` (the model's parameter count) and
        ``model`` (the trained model, unwrapped).
    """
    runner = build_runner(cfg)
    recorder = _RunRecorder()
    runner.register_hook(recorder)
    model = runner.train()
    metrics = runner.test()
    if is_model_wrapper(model):
        model = model.module
    return dict(metrics=metrics, predictions=recorder.predictions,
                train_seconds=recorder.train_seconds,
                train_samples=recorder.train_samples,
                params=sum(p.numel() for p in model.parameters()),
                model=model)


def print_seed_check(seed_check: dict, seed: int, extra_seeds) -> None:
    """Print the benchmarks' seed check, a markdown table: per row (a dict
    ``row -> [MPJPE per seed]``, ``seed`` first, then ``extra_seeds``) the
    values, their mean, their spread and the mean's difference to the
    ``'baseline'`` row's mean; nothing if no row has two seeds. A
    difference between rows smaller than the spread between seeds is not a
    finding."""
    if not seed_check or max(len(v) for v in seed_check.values()) < 2:
        return
    seeds = [seed] + [s for s in extra_seeds if s != seed]
    lines = ['', f'Seed check (same budget, seeds '
             f'{", ".join(map(str, seeds))}):',
             '| row | MPJPE per seed (mm) | mean | spread (max - min) | '
             'mean - baseline mean |', '|---|---|---|---|---|']
    base = seed_check.get('baseline')
    for name, values in seed_check.items():
        mean = float(np.mean(values))
        diff = (f'{mean - float(np.mean(base)):+.1f}' if base and
                name != 'baseline' else '')
        lines.append(f'| {name} | ' + ' / '.join(f'{v:.1f}' for v in values)
                     + f' | {mean:.1f} | {max(values) - min(values):.1f} | '
                     f'{diff} |')
    print('\n'.join(lines), flush=True)
