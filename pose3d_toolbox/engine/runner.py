"""The toolbox's Runner: mmengine's, made safe for CPU clusters and crashes."""
import copy
import datetime
import glob
import os
import os.path as osp
from collections import OrderedDict
from typing import Optional

import torch
import torch.distributed as dist
from mmengine.dist import get_rank, is_main_process
from mmengine.logging import MessageHub, MMLogger
from mmengine.model import MMDistributedDataParallel, is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint
from mmengine.utils.dl_utils import collect_env
from mmengine.visualization import Visualizer

from pose3d_toolbox.registry import LOOPS, RUNNERS
from pose3d_toolbox.utils.atomic import commit_tmp_file
from .checkpoint import (find_latest_checkpoint, is_complete_checkpoint,
                         load_weights)
from .threads import choose_num_threads, choose_num_workers, machine_state
from .train_state import worker_init_fn


def init_cpu_process_group(launcher: str,
                           timeout: Optional[float] = None) -> None:
    """Start a gloo process group from the launcher's environment.

    mmengine's ``init_dist`` calls ``torch.cuda.set_device`` and so fails on
    a CPU-only torch; when there is no GPU the Runner calls this first and
    mmengine then finds the group already initialised.

    ``launcher='pytorch'`` reads torchrun's ``RANK``/``WORLD_SIZE``/
    ``MASTER_ADDR``/``MASTER_PORT``; ``'slurm'`` derives them from
    ``SLURM_PROCID``/``SLURM_NTASKS`` (``MASTER_ADDR`` must be exported by
    the job script, as ``tools/slurm_train.sh`` does).

    ``timeout`` (seconds; ``env_cfg.dist_cfg.timeout``) bounds every
    collective: when a peer dies or hangs, the others raise and exit
    instead of waiting (torch's default is 30 minutes).
    """
    if launcher == 'slurm':
        os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
        os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
        os.environ.setdefault('LOCAL_RANK', os.environ.get('SLURM_LOCALID',
                                                           '0'))
        os.environ.setdefault('MASTER_PORT', '29500')
    elif launcher != 'pytorch':
        raise ValueError(f'launcher {launcher!r} is not supported without a '
                         "GPU; use 'pytorch' (torchrun) or 'slurm'")
    kwargs = {} if timeout is None else dict(
        timeout=datetime.timedelta(seconds=float(timeout)))
    dist.init_process_group(backend='gloo', **kwargs)


def unused_experiment_name(name: str) -> str:
    """``name``, or ``name_2``, ``name_3``, ... if a logger, message hub or
    visualizer of that name already exists in this process."""
    taken = lambda n: any(  # noqa: E731
        cls.check_instance_created(n)
        for cls in (MMLogger, MessageHub, Visualizer))
    candidate, k = name, 1
    while taken(candidate):
        k += 1
        candidate = f'{name}_{k}'
    return candidate


@RUNNERS.register_module()
class Pose3dRunner(Runner):
    """:class:`mmengine.runner.Runner`, safe for CPU clusters and crashes.

    - Distributed runs work on CPU (gloo): the process group is created
      before mmengine tries CUDA, with ``env_cfg.dist_cfg.timeout``, and
      DDP wraps a CPU model without ``device_ids``.
    - Checkpoints are written to a temporary file, fsynced and renamed into
      place, so a kill mid-write never leaves a corrupt checkpoint (with
      ``SafeCheckpointHook``, ``last_checkpoint`` and old checkpoints are
      handled in a kill-safe order too).
    - ``resume=True`` picks the newest *complete* checkpoint; a named
      checkpoint that is missing or cut, or a work directory holding only
      cut ones, is an error instead of a silent restart from scratch.
    - ``load_from`` is strict unless the config sets ``strict_load=False``:
      weights that do not fit the model are an error naming the config
      they were trained with.
    - A ``train_cfg`` with ``by_epoch=True`` and no ``type`` builds an
      :class:`~pose3d_toolbox.engine.ExactResumeEpochLoop`.
    - Data-loader workers die with their process (``worker_init_fn``).
    - The environment log names the real device, world size and backend:
      without a GPU, ``env_cfg.dist_cfg.backend`` becomes ``'gloo'`` (the
      configs' ``'nccl'`` is never used on CPU) and mmengine's "GPU number"
      becomes the device and the number of processes.
    - Denormal floats are flushed to zero (``env_cfg.flush_denormal``,
      default True): they made ElePose's flow training 4x slower on CPU.
    - Torch threads and loader workers fit the free cores
      (``env_cfg.num_threads`` / ``env_cfg.loader_workers``, ``'auto'`` in
      the shipped configs; rule and measurements in
      :mod:`pose3d_toolbox.engine.threads`), logged at start as ``torch
      threads: N (reason)``.
    - Runners built one after another in one process (benchmarks, tests,
      :func:`~pose3d_toolbox.apis.train_and_test`) never share mmengine's
      logger, message hub or visualizer: mmengine names them after the
      config and the second-resolution timestamp, so a second runner of the
      same config within one second would write its log and config into
      the first one's (perhaps deleted) directory; a taken name gets a
      ``_2``, ``_3``, ... suffix.
    """

    def setup_env(self, env_cfg):
        if not torch.cuda.is_available():
            dist_cfg = env_cfg.setdefault('dist_cfg', {})
            if dist_cfg.get('backend', 'gloo') != 'gloo':
                dist_cfg['backend'] = 'gloo'
                self.cfg.setdefault('env_cfg', {}).setdefault(
                    'dist_cfg', {})['backend'] = 'gloo'
            if self.distributed and not dist.is_initialized():
                init_cpu_process_group(self.launcher,
                                       dist_cfg.get('timeout'))
        super().setup_env(env_cfg)
        self._setup_threads(env_cfg)
        self._setup_denormals(env_cfg)

    def build_logger(self, *args, **kwargs):
        # the first of the per-run instances mmengine builds from the name
        self._experiment_name = unused_experiment_name(self._experiment_name)
        return super().build_logger(*args, **kwargs)

    def _setup_threads(self, env_cfg):
        """Size the loaders' workers and torch's threads to the free cores
        (:mod:`pose3d_toolbox.engine.threads`); the choices are logged by
        :meth:`_log_env`."""
        state = machine_state()
        self._thread_log = []
        machine = dict(cpu_count=state['cpu_count'], load=state['load'],
                       local_world_size=state['local_world_size'])
        reserved = 0
        for name in ('train', 'val', 'test'):
            attr = f'_{name}_dataloader'
            loader = getattr(self, attr, None)
            if not isinstance(loader, dict) or 'num_workers' not in loader:
                continue
            workers, why = choose_num_workers(
                env_cfg.get('loader_workers'), loader['num_workers'],
                **machine)
            if name == 'train':
                reserved = workers
            if workers != loader['num_workers']:
                loader = copy.copy(loader)  # the config keeps its value
                loader['num_workers'] = workers
                if workers == 0:
                    loader['persistent_workers'] = False
                setattr(self, attr, loader)
            self._thread_log.append(
                f'{name} loader workers: {workers} ({why})')
        threads, why = choose_num_threads(
            env_cfg.get('num_threads'), omp_env=state['omp_env'],
            reserved=reserved, **machine)
        if threads is not None:
            torch.set_num_threads(threads)
        self._thread_log.insert(
            0, f'torch threads: {torch.get_num_threads()} ({why})')

    def _setup_denormals(self, env_cfg):
        """``env_cfg.flush_denormal`` (default True): compute with
        denormal floats flushed to zero on CPU (``torch.set_flush_denormal``,
        for the whole process). Denormals are the values below 1.2e-38 that
        CPUs handle in slow microcode: ElePose's flow
        (``configs/elepose-flow_cmu.py``, one thread) went from 18 to 75 ms
        per iteration in its third epoch without it, and stays at 16 ms
        with it. Flushing changes a result only where a value below 1.2e-38
        becomes 0. ``False`` keeps torch's default."""
        flush = env_cfg.get('flush_denormal', True)
        if not isinstance(flush, bool):
            raise ValueError('env_cfg.flush_denormal must be True or False, '
                             f'got {flush!r}')
        if flush and not torch.set_flush_denormal(True):
            flush = 'unsupported by this CPU'
        self._thread_log.append(f'denormals flushed to zero: {flush}')

    def _log_env(self, env_cfg):
        """mmengine's environment log, with the device, the number of
        processes and the process group's backend as they are."""
        runtime_env = OrderedDict(env_cfg)
        runtime_env.update(self._randomness_cfg)
        runtime_env['seed'] = self._seed
        runtime_env['Distributed launcher'] = self._launcher
        runtime_env['Distributed training'] = self._distributed
        if self._distributed and dist.is_initialized():
            runtime_env['Distributed backend'] = dist.get_backend()
        runtime_env['Device'] = (
            f'cuda ({torch.cuda.device_count()} visible)'
            if torch.cuda.is_available() else 'cpu')
        runtime_env['World size (processes)'] = self._world_size
        lines = ['System environment:'] + [
            f'    {k}: {v}' for k, v in collect_env().items()] + [
            '', 'Runtime environment:'] + [
            f'    {k}: {v}' for k, v in runtime_env.items()]
        dash_line = '-' * 60
        self.logger.info('\n'.join(['', dash_line, *lines, dash_line, '']))
        for line in getattr(self, '_thread_log', []):
            self.logger.info(line)
        if self.cfg._cfg_dict:
            self.logger.info(f'Config:\n{self.cfg.pretty_text}')

    def build_train_loop(self, loop):
        if isinstance(loop, dict) and 'type' not in loop and loop.get(
                'by_epoch', False):
            loop = copy.deepcopy(loop)
            loop['type'] = 'ExactResumeEpochLoop'
            return LOOPS.build(loop, default_args=dict(
                runner=self, dataloader=self._train_dataloader))
        return super().build_train_loop(loop)

    @staticmethod
    def build_dataloader(dataloader, seed=None, diff_rank_seed=False):
        if isinstance(dataloader, dict) and dataloader.get(
                'num_workers', 0) > 0 and 'worker_init_fn' not in dataloader:
            dataloader = copy.copy(dataloader)
            dataloader['worker_init_fn'] = dict(
                type=worker_init_fn, num_workers=dataloader['num_workers'],
                rank=get_rank(),
                seed=None if seed is None else seed + (
                    get_rank() if diff_rank_seed else 0))
        return Runner.build_dataloader(dataloader, seed=seed,
                                       diff_rank_seed=diff_rank_seed)

    def wrap_model(self, model_wrapper_cfg, model):
        if (self.distributed and not torch.cuda.is_available()
                and not is_model_wrapper(model) and model_wrapper_cfg is None):
            return MMDistributedDataParallel(
                module=model, broadcast_buffers=False,
                find_unused_parameters=self.cfg.get('find_unused_parameters',
                                                    False))
        return super().wrap_model(model_wrapper_cfg, model)

    def save_checkpoint(self, out_dir, filename, *args, **kwargs):
        if '://' in out_dir:  # remote storage: its backend decides
            return super().save_checkpoint(out_dir, filename, *args, **kwargs)
        tmp_name = f'.{filename}.tmp{os.getpid()}'
        super().save_checkpoint(out_dir, tmp_name, *args, **kwargs)
        if is_main_process():  # mmengine writes on the main process only
            commit_tmp_file(osp.join(out_dir, tmp_name),
                            osp.join(out_dir, filename))

    def load_checkpoint(self, filename, map_location='cpu', strict=None,
                        revise_keys=None):
        """Load weights from ``filename`` (strictly unless the config sets
        ``strict_load=False`` or ``strict=False`` is passed)."""
        if strict is None:
            strict = bool(self.cfg.get('strict_load', True))
        model = self.model.module if is_model_wrapper(self.model) \
            else self.model
        checkpoint = _load_checkpoint(filename, map_location=map_location)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        load_weights(model, checkpoint, strict, filename, self.logger)
        self._loaded_train_state = checkpoint.get('train_state')
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    def resume(self, filename, *args, **kwargs):
        """mmengine's resume, then the loop's exact position and random
        state (``ExactResumeEpochLoop.load_train_state``)."""
        super().resume(filename, *args, **kwargs)
        loop = self.train_loop
        if not hasattr(loop, 'load_train_state'):
            return
        state = self._loaded_train_state
        if state is None:
            self.logger.warning(
                f'{filename} holds no train_state (written before exact '
                'resume): continuing at its iteration, but the random '
                'generators start afresh')
            state = dict(rng=None, world_size=self.world_size,
                         batch_size=loop.dataloader.batch_size,
                         iters_per_epoch=len(loop.dataloader))
        loop.load_train_state(state, loop.epoch, loop.iter, filename)

    def load_or_resume(self):
        if self._resume and not self._has_loaded:
            if self._load_from is None:
                self._load_from = self._auto_resume_checkpoint()
                if self._load_from is None:
                    self._resume = False
            elif ('://' not in self._load_from
                  and not is_complete_checkpoint(self._load_from)):
                why = ('does not exist' if not osp.exists(self._load_from)
                       else 'is incomplete (cut mid-write?)')
                raise FileNotFoundError(
                    f'--resume {self._load_from}: the checkpoint {why}. '
                    f'Pass a complete checkpoint, or --resume without a '
                    f'value to take the newest complete one in '
                    f'{self.work_dir}.')
        return super().load_or_resume()

    def _auto_resume_checkpoint(self) -> Optional[str]:
        """The newest complete checkpoint of the work directory; None (and
        a warning) if it holds none; an error if it holds only cut ones.

        Temporary files of a killed first write do not count: no checkpoint
        was ever completed, so starting from scratch loses nothing.
        """
        found = find_latest_checkpoint(self.work_dir, self.logger)
        if found is not None:
            return found
        left = sorted(glob.glob(osp.join(self.work_dir, '*.pth')))
        if left:
            raise RuntimeError(
                f'--resume: {self.work_dir} holds checkpoint files '
                f'({", ".join(map(osp.basename, left[:5]))}) but none is '
                'complete, so training cannot continue. Pass one with '
                '--resume CKPT, or move them away to start from scratch.')
        self.logger.warning(f'--resume: no checkpoint in {self.work_dir}; '
                            'training from scratch')
        return None
