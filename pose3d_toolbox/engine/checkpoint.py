"""Safe checkpoint loading, strict key checking and finding the newest
complete checkpoint.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True`` and refuses
the Python objects that mmengine 0.10.7 writes into its own checkpoints
(the message hub's ``HistoryBuffer``, numpy scalars and arrays), so
``--resume`` fails out of the box. Rather than turning ``weights_only`` off
(which would let any downloaded file run code),
:func:`allow_checkpoint_globals` allow-lists exactly the types those
checkpoints legitimately hold.
"""
import codecs
import logging
import os
import os.path as osp
import pickle
import re
import zipfile
from collections import OrderedDict
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import _load_checkpoint


# HistoryBuffer's default statistics (mmengine 0.10.7) plus any registered
# with ``HistoryBuffer.register_statistics``.
HISTORY_BUFFER_STATISTICS = {'min', 'max', 'current', 'mean'}


def history_buffer_getattr(obj, name):
    """A ``getattr`` that resolves only ``HistoryBuffer``'s statistics.

    mmengine pickles each ``HistoryBuffer``'s statistics methods as
    ``getattr(HistoryBuffer, 'mean')`` and so on; allow-listing the builtin
    ``getattr`` would let a checkpoint reach any attribute of any allowed
    object, so this stand-in is registered under its name instead.
    """
    from mmengine.logging import HistoryBuffer
    allowed = HISTORY_BUFFER_STATISTICS | set(
        HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}), which is not part '
        'of an mmengine checkpoint; refusing to load it')


def checkpoint_safe_globals():
    """The classes and functions mmengine checkpoints legitimately pickle."""
    from mmengine.logging import HistoryBuffer
    multiarray = np._core.multiarray if hasattr(np, '_core') else \
        np.core.multiarray
    dtype_classes = [getattr(np.dtypes, n) for n in dir(np.dtypes)
                     if n.endswith('DType') and n != 'StringDType']
    return [HistoryBuffer, multiarray.scalar, multiarray._reconstruct,
            np.ndarray, np.dtype, *dtype_classes, codecs.encode,
            (history_buffer_getattr, 'builtins.getattr')]


def allow_checkpoint_globals() -> None:
    """Allow-list :func:`checkpoint_safe_globals` for ``weights_only`` loads.

    Idempotent; called when :mod:`pose3d_toolbox.engine` is imported.
    """
    torch.serialization.add_safe_globals(checkpoint_safe_globals())


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole torch zip checkpoint (not cut mid-write)."""
    if not osp.isfile(path) or osp.getsize(path) == 0:
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.testzip() is None
    except (zipfile.BadZipFile, OSError):
        return False


def find_latest_checkpoint(work_dir: str, logger=None) -> Optional[str]:
    """Newest complete checkpoint of ``work_dir``, or None.

    Prefers the file named in ``work_dir/last_checkpoint`` (mmengine's
    convention); if that is missing or incomplete, falls back to the newest
    complete ``*.pth`` in ``work_dir``.
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip()
        if named and is_complete_checkpoint(named):
            return named
        if logger is not None:
            logger.warning(f'{pointer} names {named!r}, which is missing or '
                           'incomplete; looking for another checkpoint')
    if not osp.isdir(work_dir):
        return None
    candidates = sorted(
        (osp.join(work_dir, n) for n in os.listdir(work_dir)
         if n.endswith('.pth')), key=osp.getmtime, reverse=True)
    for path in candidates:
        if is_complete_checkpoint(path):
            return path
    return None


def trained_with(checkpoint: dict) -> Optional[str]:
    """The config a checkpoint was trained with, as its meta records it:
    ``"<config name>" (model <type>)``, or None if it records nothing.

    mmengine stores ``meta['experiment_name']`` (the config's file name and
    a timestamp) and the config text ``meta['cfg']``; the text is searched,
    never executed.
    """
    meta = checkpoint.get('meta') or {}
    name = meta.get('experiment_name')
    if isinstance(name, str):
        name = re.sub(r'_\d{8}_\d{6}$', '', name)
    model = None
    if isinstance(meta.get('cfg'), str):
        # the top-level ``type`` of the ``model = dict(...)`` block
        block = re.search(r'^model = dict\((.*?)^\S', meta['cfg'] + '\nEND',
                          re.M | re.S)
        found = block and re.search(r"^(?:    |\s*dict\()?type='([^']+)'",
                                    block.group(1), re.M)
        model = found and found.group(1)
        backbone = block and re.search(
            r"^    backbone=dict\((.*?)^    \S", block.group(1) + '    END',
            re.M | re.S)
        backbone = backbone and re.search(
            r"^(?:        |\s*)type='([^']+)'", backbone.group(1), re.M)
        if model and backbone:
            model = f'{model}, backbone {backbone.group(1)}'
    if not name and not model:
        return None
    return ' '.join(filter(None, [name and f'"{name}"',
                                  model and f'(model {model})']))


SIZE_MISMATCH = re.compile(
    r'size mismatch for (\S+): copying a param with shape '
    r'torch\.Size\(\[(.*?)\]\) from checkpoint, the shape in current model '
    r'is torch\.Size\(\[(.*?)\]\)')


def load_state_dict_report(model: torch.nn.Module,
                           state_dict: Dict[str, torch.Tensor]
                           ) -> Dict[str, List[str]]:
    """Load the entries of ``state_dict`` that fit ``model``; return what
    did not: ``missing`` keys of the model, ``unexpected`` keys of the
    checkpoint, and ``shape`` (``'key: checkpoint (a, b) != model (c,
    d)'``, such entries are skipped).

    Loads module by module through ``_load_from_state_dict`` (as torch and
    mmengine do), so a model's own key remapping of older checkpoints
    applies before keys are compared. BatchNorm's ``num_batches_tracked``
    may be missing (older torch did not save it).
    """
    state_dict = OrderedDict(state_dict)
    metadata = getattr(state_dict, '_metadata', None)
    missing, unexpected, errors = [], [], []

    def load(module, prefix=''):
        local = {} if metadata is None else metadata.get(prefix[:-1], {})
        module._load_from_state_dict(state_dict, prefix, local, True,
                                     missing, unexpected, errors)
        for name, child in module._modules.items():
            if child is not None:
                load(child, prefix + name + '.')

    load(model)
    shape = []
    for msg in errors:
        found = SIZE_MISMATCH.search(msg)
        shape.append(f'{found.group(1)}: checkpoint ({found.group(2)}) != '
                     f'model ({found.group(3)})' if found else msg)
    return dict(missing=[k for k in missing
                         if not k.endswith('num_batches_tracked')],
                unexpected=unexpected, shape=shape)


def checkpoint_state_dict(checkpoint: dict) -> Dict[str, torch.Tensor]:
    """The model weights of a loaded checkpoint, without DDP's ``module.``
    prefix."""
    state = checkpoint.get('state_dict', checkpoint)
    return {re.sub(r'^module\.', '', k): v for k, v in state.items()}


def load_weights(model: torch.nn.Module, checkpoint: dict,
                 strict: bool = True, filename: str = 'the checkpoint',
                 logger=None) -> None:
    """Load a loaded checkpoint's weights into ``model``.

    With ``strict`` (the default) a checkpoint that does not fit the model
    (missing or unexpected keys, other shapes) raises a ``RuntimeError``
    that lists the first few of each and names the config the checkpoint
    was trained with, if it records one; the model, partly loaded then,
    must not be used. ``strict=False`` loads the entries that fit and logs
    the rest.
    """
    bad = load_state_dict_report(model, checkpoint_state_dict(checkpoint))
    if not any(bad.values()):
        return

    def first(keys, n=5):
        more = f', ... ({len(keys) - n} more)' if len(keys) > n else ''
        return ', '.join(keys[:n]) + more
    parts = [f'{len(v)} {label}: {first(v)}' for label, v in (
        ('missing keys', bad['missing']),
        ('unexpected keys', bad['unexpected']),
        ('keys with another shape', bad['shape'])) if v]
    if not strict:
        print_log(f'{filename} fits the model {type(model).__name__} only '
                  f'in part (loaded non-strictly): {"; ".join(parts)}',
                  logger=logger, level=logging.WARNING)
        return
    origin = trained_with(checkpoint)
    origin = (f' It was trained with the config {origin}.' if origin
              else ' It records no training config.')
    raise RuntimeError(
        f'checkpoint {filename} does not fit the model '
        f'{type(model).__name__}: {"; ".join(parts)}.{origin} Pass the '
        'matching config, or load the matching weights only with '
        '--non-strict (tools/test.py, tools/train.py) / strict_load=False '
        'in the config.')


def load_model_checkpoint(model: torch.nn.Module, filename: str,
                          strict: bool = True, map_location='cpu',
                          logger=None) -> dict:
    """Read checkpoint ``filename`` and load its weights into ``model``
    (:func:`load_weights`); return the checkpoint.

    For code that builds a model from a config and loads a checkpoint
    (an inferencer); ``Pose3dRunner`` does the same for ``tools/test.py``
    and ``load_from``.
    """
    checkpoint = _load_checkpoint(filename, map_location=map_location)
    load_weights(model, checkpoint, strict, filename, logger)
    return checkpoint
