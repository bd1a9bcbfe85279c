"""Checks every dataset runs once, at load, on its arrays and its options.

A dataset's mistakes surface here, before training starts, with a message
that names the file (or video), the key, the value and the fix:

- :func:`check_finite`: the first NaN / inf of an array, by row and joint;
- :func:`select_ids`: a ``subjects`` / ``actions`` / ``takes`` option
  matched against the ids a dataset holds. Ids are strings (``'05'``,
  ``'05_01'``, ``'S1'``); mmengine's ``--cfg-options`` turns ``05`` into
  the number ``5`` and ``05_01`` into ``501`` (and quoting does not help),
  so a number is accepted when exactly one id present reads as that number
  (``int('05') == 5``, ``int('05_01') == 501``) and refused, naming the ids
  present, otherwise.
"""
import warnings
from typing import Iterable, Optional, Sequence, Tuple

import numpy as np


def check_finite(array: np.ndarray, where: str, key: str,
                 row: str = 'row', extra=None) -> None:
    """Raise a ``ValueError`` at the first NaN / inf of ``array``.

    Args:
        array: ``(N, J, ...)`` or ``(N, J)`` values.
        where: what holds the array (a file path, a video's name).
        key: the array's key.
        row: what the first axis counts (``'row'``, ``'frame'``,
            ``'person'``).
        extra: ``callable(row index) -> str`` naming the row further (e.g.
            its image name); optional.

    The message names ``where``, ``key``, the first bad row and joint, the
    bad value and how many rows hold one.
    """
    array = np.asarray(array)
    bad = ~np.isfinite(array)
    if not bad.any():
        return
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    rows = int(bad.reshape(len(array), -1).any(1).sum())
    at = f'{row} {index[0]}'
    if extra is not None:
        at += f' ({extra(index[0])})'
    if len(index) > 1:
        at += f', joint {index[1]}'
    raise ValueError(
        f'{where} (key {key!r}): {array[index]} at {at}; {rows} of '
        f'{len(array)} {row}s hold NaN or inf. Drop or repair those {row}s '
        'before training (NaN would reach the loss and the metrics)')


def _as_number(value: str) -> Optional[int]:
    """The number an id reads as (``'05_01'`` -> 501), or ``None``."""
    try:
        return int(value)
    except ValueError:
        return None


def _show(values: Sequence[str], limit: int = 24) -> str:
    values = list(values)
    text = ', '.join(repr(v) for v in values[:limit])
    if len(values) > limit:
        text += f', ... ({len(values)} in all)'
    return f'[{text}]'


def select_ids(requested, present: Iterable[str], option: str,
               where: str, strict: bool = False) -> Optional[Tuple[str, ...]]:
    """Match an id option (``subjects=``, ``actions=``, ``takes=``) against
    the ids a dataset holds.

    Args:
        requested: ``None`` (no filter), one id or a list of ids; an id is
            a string, or a number that exactly one id of ``present`` reads
            as (``5`` -> ``'05'``, ``501`` -> ``'05_01'``).
        present: the ids the data holds.
        option: the option's name, for the messages.
        where: the dataset (and file) asked, for the messages.
        strict: raise for any id not present; otherwise only when none is,
            with a warning naming the absent ones.

    Returns:
        The requested ids as strings, in the given order (``None`` if no
        filter).

    Raises:
        ValueError: the list matches nothing (or, ``strict``, an id is
            absent), or a number matches no id or several; the message
            names the ids present and the fix.
    """
    if requested is None:
        return None
    if np.isscalar(requested):
        requested = [requested]
    present = sorted({str(p) for p in present})
    by_number = {}
    for p in present:
        by_number.setdefault(_as_number(p), []).append(p)
    out, absent = [], []
    for value in requested:
        if isinstance(value, str):
            (out if value in present else absent).append(value)
            continue
        if isinstance(value, bool) or not isinstance(value, (int,
                                                             np.integer)):
            raise ValueError(
                f'{where}: {option} holds {value!r} '
                f'({type(value).__name__}); ids are strings such as '
                f'{present[0]!r}. Present: {_show(present)}')
        matches = by_number.get(int(value), [])
        if len(matches) != 1:
            why = ('no id reads as it' if not matches else
                   f'it could be any of {matches}')
            raise ValueError(
                f'{where}: {option} holds the number {value} where a string '
                f'id is expected, and {why}. Present: {_show(present)}. '
                f'Choose {option} among those (a number is accepted when '
                f"exactly one id reads as it, e.g. 5 for '05')")
        out.append(matches[0])
    if not out or (absent and strict):
        what = 'matches nothing' if not out else f'names absent ids {absent}'
        raise ValueError(
            f'{where}: {option}={list(requested)} {what}; present: '
            f'{_show(present)}. Choose {option} among those')
    if absent:
        warnings.warn(f'{where}: {option} {absent} are not in the data and '
                      f'are skipped; present: {_show(present)}', stacklevel=2)
    return tuple(out)
