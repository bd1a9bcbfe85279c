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
import os
import os.path as osp
import pickle
import re
import zipfile
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.runner.checkpoint import _load_checkpoint, load_state_dict


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


def state_dict_mismatch(model: torch.nn.Module,
                        state_dict: Dict[str, torch.Tensor]
                        ) -> Dict[str, List[str]]:
    """Keys of ``model`` missing from ``state_dict``, keys of
    ``state_dict`` the model does not have, and keys in both whose shapes
    differ (``'key: checkpoint (a, b) != model (c, d)'``)."""
    own = model.state_dict()
    shape = [f'{k}: checkpoint {tuple(v.shape)} != model '
             f'{tuple(own[k].shape)}' for k, v in state_dict.items()
             if k in own and hasattr(v, 'shape')
             and tuple(v.shape) != tuple(own[k].shape)]
    return dict(missing=[k for k in own if k not in state_dict
                         and not k.endswith('num_batches_tracked')],
                unexpected=[k for k in state_dict if k not in own],
                shape=shape)


def checkpoint_state_dict(checkpoint: dict) -> Dict[str, torch.Tensor]:
    """The model weights of a loaded checkpoint, without DDP's ``module.``
    prefix."""
    state = checkpoint.get('state_dict', checkpoint)
    return {re.sub(r'^module\.', '', k): v for k, v in state.items()}


def load_model_checkpoint(model: torch.nn.Module, filename: str,
                          strict: bool = True, map_location='cpu',
                          logger=None) -> dict:
    """Load the weights of checkpoint ``filename`` into ``model``; return
    the checkpoint.

    With ``strict`` (the default) a checkpoint that does not fit the model
    (missing or unexpected keys, other shapes) raises a ``RuntimeError``
    that lists the first few of each and names the config the checkpoint
    was trained with, if it records one; nothing is loaded then.
    ``strict=False`` loads the keys that fit and logs the rest.

    Used by ``tools/test.py``, ``load_from`` (``Pose3dRunner``) and meant
    for any inferencer that builds a model from a config and a checkpoint.
    """
    checkpoint = _load_checkpoint(filename, map_location=map_location)
    state_dict = checkpoint_state_dict(checkpoint)
    bad = state_dict_mismatch(model, state_dict)
    if strict and any(bad.values()):
        def first(keys, n=5):
            more = f', ... ({len(keys) - n} more)' if len(keys) > n else ''
            return ', '.join(keys[:n]) + more
        parts = [f'{len(v)} {label}: {first(v)}' for label, v in (
            ('missing keys', bad['missing']),
            ('unexpected keys', bad['unexpected']),
            ('keys with another shape', bad['shape'])) if v]
        origin = trained_with(checkpoint)
        origin = (f' It was trained with the config {origin}.' if origin
                  else ' It records no training config.')
        raise RuntimeError(
            f'checkpoint {filename} does not fit the model '
            f'{type(model).__name__}: {"; ".join(parts)}.{origin} Pass the '
            'matching config, or load the matching weights only with '
            '--non-strict (tools/test.py) / strict_load=False in the '
            'config.')
    load_state_dict(model, state_dict, strict=False, logger=logger)
    return checkpoint
