"""Atomic file writes: a reader (or a run resumed after a kill) sees either
the old file or the whole new one, never a part.

The rule every file the toolbox writes follows: write a temporary file
``.<name>.tmp<pid>`` in the destination's directory, ``fsync`` it, rename it
onto the destination (``os.replace``, atomic on POSIX within one file
system), then ``fsync`` the directory so the rename itself survives a power
cut. A kill leaves at most a stale temporary file, which
:func:`remove_stale_tmp_files` deletes at the next start.

Example:
    >>> with atomic_write('work_dirs/meta.json') as fh:
    ...     json.dump(meta, fh)
"""
import contextlib
import glob
import os
import os.path as osp
from typing import IO, Iterator, List


def tmp_path_for(path: str) -> str:
    """The temporary name :func:`atomic_write` uses for ``path``."""
    folder, name = osp.split(osp.abspath(path))
    return osp.join(folder, f'.{name}.tmp{os.getpid()}')


def fsync_dir(folder: str) -> None:
    """``fsync`` a directory, making renames inside it durable (skipped
    where the file system or OS cannot open or sync a directory)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def commit_tmp_file(tmp_path: str, path: str) -> None:
    """``fsync`` the finished ``tmp_path`` and rename it onto ``path``."""
    with open(tmp_path, 'rb') as fh:
        os.fsync(fh.fileno())
    os.replace(tmp_path, path)
    fsync_dir(osp.dirname(osp.abspath(path)))


@contextlib.contextmanager
def atomic_write(path: str, mode: str = 'w') -> Iterator[IO]:
    """Open a temporary file for writing; on a clean exit it replaces
    ``path`` atomically, on an exception it is deleted and ``path`` is left
    as it was.

    Args:
        path: destination file.
        mode: ``'w'`` (text) or ``'wb'`` (binary).
    """
    if mode not in ('w', 'wb'):
        raise ValueError(f"atomic_write: mode must be 'w' or 'wb', got "
                         f'{mode!r}')
    tmp = tmp_path_for(path)
    try:
        with open(tmp, mode) as fh:
            yield fh
        commit_tmp_file(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


def remove_stale_tmp_files(folder: str) -> List[str]:
    """Delete the temporary files (``.*.tmp*``) killed writers left in
    ``folder``; return their paths. Call it only when no other process
    writes into ``folder``."""
    stale = sorted(p for p in glob.glob(osp.join(folder, '.*.tmp*'))
                   if osp.isfile(p))
    for path in stale:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
    return stale
