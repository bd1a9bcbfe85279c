"""Readers of data files that never run code from the file."""
from .safe_pickle import (SafeUnpickler, UnsafePickleError, load_pickle,
                          safe_globals)

__all__ = ['SafeUnpickler', 'UnsafePickleError', 'load_pickle',
           'safe_globals']
