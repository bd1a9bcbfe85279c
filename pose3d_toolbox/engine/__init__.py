from . import hooks  # noqa: F401 (registers the hooks)
from .amp import CpuBf16OptimWrapper, cpu_bf16_autocast_problem
from .checkpoint import (allow_checkpoint_globals, find_latest_checkpoint,
                         is_complete_checkpoint, load_model_checkpoint,
                         load_weights, trained_with)
from .checkpoint_hook import SafeCheckpointHook
from .dump_results import AtomicDumpResults
from .loops import ExactResumeEpochLoop
from .runner import Pose3dRunner, init_cpu_process_group
from .train_state import (ResumableSampler, SeededSampleDataset,
                          get_rng_state, preserved_rng, set_rng_state,
                          worker_init_fn)

allow_checkpoint_globals()

__all__ = ['AtomicDumpResults', 'CpuBf16OptimWrapper', 'ExactResumeEpochLoop',
           'Pose3dRunner',
           'ResumableSampler',
           'SafeCheckpointHook', 'SeededSampleDataset',
           'allow_checkpoint_globals', 'cpu_bf16_autocast_problem',
           'find_latest_checkpoint',
           'get_rng_state', 'init_cpu_process_group',
           'is_complete_checkpoint', 'load_model_checkpoint',
           'load_weights', 'preserved_rng', 'set_rng_state',
           'trained_with', 'worker_init_fn']
