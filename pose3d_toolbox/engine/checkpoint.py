"""Safe checkpoint loading and crash-safe checkpoint writing.

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
import zipfile
from typing import Optional

import numpy as np
import torch


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


def atomic_replace(tmp_path: str, path: str) -> None:
    """fsync ``tmp_path`` and rename it onto ``path`` in one atomic step."""
    with open(tmp_path, 'rb') as f:
        os.fsync(f.fileno())
    os.replace(tmp_path, path)


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
