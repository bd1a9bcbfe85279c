from . import hooks  # noqa: F401 (registers the hooks)
from .checkpoint import (allow_checkpoint_globals, find_latest_checkpoint,
                         is_complete_checkpoint)
from .runner import Pose3dRunner, init_cpu_process_group

allow_checkpoint_globals()

__all__ = ['Pose3dRunner', 'allow_checkpoint_globals',
           'find_latest_checkpoint', 'init_cpu_process_group',
           'is_complete_checkpoint']
