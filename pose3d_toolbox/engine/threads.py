"""How many torch threads and data-loader workers a training process uses.

Why this exists: torch's default is one intra-op thread per core, and every
parallel operator ends at an OpenMP barrier (GNU ``libgomp`` in torch's CPU
wheels) where the threads wait for each other, spinning before they sleep.
When other processes hold the cores, the thread a barrier waits for is not
running, and its peer burns its own time slices spinning -- hundreds of
barriers per training step. Measured on 2 cores shared with other jobs
(load average 7-11, 2026-12-02, ``tools/analysis/benchmark_threads.py``):
SimpleBaseline's quick start 1.99 s per iteration with 1 thread against
3.93 with 2 (1.54 against 4.71 with one more busy process); the integral 2D
model 1.02 against 5.81 (2.52 against 10.60). Its bare training step took
0.28 s with 1 thread and 1.01 s with 2, using 0.17 and 0.59 CPU seconds per
step: the extra is spinning (``OMP_WAIT_POLICY=passive``: 0.35 s, 0.18 CPU
s; ``active``: 1.68 s). Loader workers compete for the same cores.

So the Runner (:class:`~pose3d_toolbox.engine.Pose3dRunner`) sizes both from
the cores that are free when training starts, unless the config says
otherwise (``env_cfg``, set in ``configs/_base_/default_runtime.py``):

- ``env_cfg.num_threads``: ``'auto'`` (default), a positive int, or
  ``None`` (leave torch's own choice). ``'auto'`` honours an
  ``OMP_NUM_THREADS`` set in the environment; otherwise it takes the cores
  this process may run on (``sched_getaffinity``) minus the 1-minute load
  average of the machine, rounded, at least 1, shared among the processes
  of a distributed run on this machine (``LOCAL_WORLD_SIZE``), minus the
  cores kept for loader workers (below).
- ``env_cfg.loader_workers``: ``'auto'`` (default) or ``None`` (each
  loader's ``num_workers`` as written). ``'auto'`` never raises a loader's
  ``num_workers``: it keeps at most a quarter of the free cores (rounded
  down) for workers, so on 2 or 3 cores loading runs in the training
  process -- the step dominates (lifting: the issue-13 measurement found
  ``num_workers=0`` faster; images: the pipeline is a few per cent of the
  step) and a worker would take a core from the step.

The functions here are pure (machine state in, choice and reason out) so
that the rule is tested without depending on the machine.
"""
import os
from typing import Optional, Tuple, Union

#: Fraction of the free cores ``loader_workers='auto'`` may keep for
#: workers.
WORKER_SHARE = 0.25


def machine_state() -> dict:
    """The inputs of the rule on this machine, now.

    Returns:
        dict: ``cpu_count`` (cores this process may run on), ``load``
        (1-minute load average, 0 where the OS has none), ``omp_env``
        (``OMP_NUM_THREADS`` or None) and ``local_world_size``
        (``LOCAL_WORLD_SIZE``, else 1).
    """
    try:
        cpu_count = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpu_count = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    return dict(cpu_count=cpu_count, load=load,
                omp_env=os.environ.get('OMP_NUM_THREADS'),
                local_world_size=int(os.environ.get('LOCAL_WORLD_SIZE', 1)))


def free_cores(cpu_count: int, load: float, local_world_size: int = 1
               ) -> int:
    """Cores not busy with other work, per process of this run: ``round(
    (cpu_count - load) / local_world_size)``, at least 1."""
    free = max(0.0, cpu_count - max(0.0, load))
    return max(1, int(free / max(1, local_world_size) + 0.5))


def workers_to_keep(free: int, configured: int) -> int:
    """Cores the ``'auto'`` rule keeps for loader workers: a quarter of the
    free cores, no more than the loader's configured workers."""
    return max(0, min(int(configured), int(free * WORKER_SHARE)))


def _check(setting, key, allowed):
    if setting is None or setting == 'auto' or (
            'int' in allowed and isinstance(setting, int)
            and not isinstance(setting, bool) and setting >= 1):
        return
    raise ValueError(
        f'env_cfg.{key}={setting!r}: use {allowed} (see '
        'pose3d_toolbox/engine/threads.py and configs/_base_/'
        'default_runtime.py)')


def choose_num_threads(setting: Union[str, int, None], cpu_count: int,
                       load: float, omp_env: Optional[str] = None,
                       local_world_size: int = 1, reserved: int = 0
                       ) -> Tuple[Optional[int], str]:
    """Torch intra-op threads for a training process.

    Args:
        setting: ``env_cfg.num_threads``: ``'auto'``, a positive int, or
            None.
        cpu_count: cores this process may run on.
        load: the machine's 1-minute load average.
        omp_env: ``OMP_NUM_THREADS`` if set.
        local_world_size: processes of this run on this machine.
        reserved: cores kept for this process's loader workers.

    Returns:
        tuple: the thread count (None: leave torch's default) and the
        reason, for the log.
    """
    _check(setting, 'num_threads', "'auto', a positive int or None")
    if setting is None:
        return None, "torch's default (env_cfg.num_threads=None)"
    if setting != 'auto':
        return setting, 'env_cfg.num_threads'
    if omp_env:
        try:
            threads = int(omp_env)
        except ValueError:
            threads = 0
        if threads >= 1:
            return threads, f'auto: OMP_NUM_THREADS={omp_env} is set'
    free = free_cores(cpu_count, load, local_world_size)
    threads = max(1, free - reserved)
    why = (f'auto: {cpu_count} cores, load average {load:.2f}'
           + (f', {local_world_size} processes' if local_world_size > 1
              else '') + f' -> {free} free'
           + (f', {reserved} kept for loader workers' if reserved else ''))
    return threads, why


def choose_num_workers(setting: Optional[str], configured: int,
                       cpu_count: int, load: float,
                       local_world_size: int = 1) -> Tuple[int, str]:
    """Loader workers for one data loader.

    Args:
        setting: ``env_cfg.loader_workers``: ``'auto'`` or None.
        configured: the loader's ``num_workers`` in the config.
        cpu_count, load, local_world_size: as :func:`choose_num_threads`.

    Returns:
        tuple: the worker count (never above ``configured``) and the reason.
    """
    _check(setting, 'loader_workers', "'auto' or None")
    if setting is None or configured <= 0:
        return max(0, int(configured)), 'as configured'
    free = free_cores(cpu_count, load, local_world_size)
    workers = workers_to_keep(free, configured)
    return workers, (f'auto: {configured} configured, {free} free cores, '
                     f'at most a quarter for workers')
