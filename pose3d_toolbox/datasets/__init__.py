from . import transforms  # noqa: F401
from .base_lifting import BaseLiftingDataset
from .h36m import Human3p6mDataset
from .mpi_inf_3dhp import MpiInf3dhpDataset

__all__ = ['BaseLiftingDataset', 'Human3p6mDataset', 'MpiInf3dhpDataset']
