"""Read pickles without running code from them.

A pickle names the functions that rebuild its objects (``module.name``
*globals*), and :func:`pickle.load` imports and calls whatever it names, so
a crafted camera file or prediction dump runs its author's code when
opened. :class:`SafeUnpickler` resolves only the globals that plain data
needs — builtin containers and scalars, strings, numpy arrays, dtypes and
scalars — and refuses every other one with :class:`UnsafePickleError`,
*before* anything is called.

What the toolbox reads this way: camera files (``cameras.pkl``, MMPose's
layout; :func:`pose3d_toolbox.datasets.file_readers.load_camera_file`) and
the prediction dumps of ``tools/test.py --out`` (lists of dicts of numpy
arrays, strings and numbers; ``tools/analysis/fit_error_model.py``). Files
the toolbox writes for itself are ``.npz`` / ``.json``, not pickles.
"""
import _compat_pickle
import codecs
import collections
import pickle
from typing import Callable, Dict, Tuple

import numpy as np


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle asked for a global outside :func:`safe_globals`."""


def _numpy_globals() -> Dict[Tuple[str, str], Callable]:
    """The globals numpy's own pickles name (numpy 1.x and 2.x paths).

    Arrays are ``_reconstruct(ndarray, shape, dtype)`` plus their state
    (protocol 5 writes ``_frombuffer``), scalars ``scalar(dtype, bytes)``,
    dtypes ``dtype(...)`` or one of the ``numpy.dtypes`` classes.
    """
    core = np._core if hasattr(np, '_core') else np.core
    out = {('numpy', 'ndarray'): np.ndarray, ('numpy', 'dtype'): np.dtype}
    for package in ('numpy.core', 'numpy._core'):  # 1.x and 2.x names
        out[(f'{package}.multiarray', '_reconstruct')] = \
            core.multiarray._reconstruct
        out[(f'{package}.multiarray', 'scalar')] = core.multiarray.scalar
        out[(f'{package}.numeric', '_frombuffer')] = core.numeric._frombuffer
    dtypes = getattr(np, 'dtypes', None)
    for name in dir(dtypes) if dtypes is not None else ():
        cls = getattr(dtypes, name)
        if isinstance(cls, type) and issubclass(cls, np.dtype):
            out[('numpy.dtypes', name)] = cls
    return out


def safe_globals() -> Dict[Tuple[str, str], Callable]:
    """``{(module, name): object}`` that :class:`SafeUnpickler` resolves.

    Besides numpy (:func:`_numpy_globals`): the builtin containers pickle
    spells as globals (``set``, ``frozenset``, ``bytes``, ``bytearray``,
    ``complex``, ``slice``, ``collections.OrderedDict``) and
    ``_codecs.encode``, which protocols 0-2 use to store bytes (mmengine
    dumps with protocol 2).
    None of them runs code chosen by the file.
    """
    out = {('builtins', cls.__name__): cls
           for cls in (set, frozenset, bytes, bytearray, complex, slice)}
    out[('collections', 'OrderedDict')] = collections.OrderedDict
    out[('_codecs', 'encode')] = codecs.encode
    out.update(_numpy_globals())
    return out


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that resolves only :func:`safe_globals`.

    Args:
        file: binary file object to read.
        path: the file's name, for the error message.
    """

    _allowed = None

    def __init__(self, file, path: str = '<pickle>'):
        super().__init__(file)
        self.path = path
        if SafeUnpickler._allowed is None:
            SafeUnpickler._allowed = safe_globals()

    def find_class(self, module: str, name: str):
        # protocols 0-2 spell Python 2 names (__builtin__.set); map them
        # as pickle.Unpickler.find_class does
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f'{self.path}: refused to load the global {module}.{name}: '
                'a pickle can run code when it is loaded, and this file asks '
                'for more than plain data (builtin containers, numbers, '
                'strings, numpy arrays), so it may be malicious. Read only '
                'files from sources you trust; rewrite a legitimate file '
                'with plain dicts, lists and numpy arrays (or as .npz / '
                '.json)') from None


def load_pickle(path: str):
    """Unpickle ``path`` with :class:`SafeUnpickler`.

    Raises :class:`UnsafePickleError` (naming the file and the refused
    ``module.name``) for a file that asks for anything but plain data; other
    read errors propagate as :func:`pickle.load` raises them.
    """
    with open(path, 'rb') as f:
        return SafeUnpickler(f, path).load()
