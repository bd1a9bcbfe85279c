"""The toolbox's Runner: mmengine's, made safe for CPU clusters and crashes."""
import os
import os.path as osp

import torch
import torch.distributed as dist
from mmengine.dist import is_main_process
from mmengine.model import MMDistributedDataParallel, is_model_wrapper
from mmengine.runner import Runner

from pose3d_toolbox.registry import RUNNERS
from .checkpoint import atomic_replace, find_latest_checkpoint


def init_cpu_process_group(launcher: str) -> None:
    """Start a gloo process group from the launcher's environment.

    mmengine's ``init_dist`` calls ``torch.cuda.set_device`` and so fails on
    a CPU-only torch; when there is no GPU the Runner calls this first and
    mmengine then finds the group already initialised.

    ``launcher='pytorch'`` reads torchrun's ``RANK``/``WORLD_SIZE``/
    ``MASTER_ADDR``/``MASTER_PORT``; ``'slurm'`` derives them from
    ``SLURM_PROCID``/``SLURM_NTASKS`` (``MASTER_ADDR`` must be exported by
    the job script, as ``tools/slurm_train.sh`` does).
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
    dist.init_process_group(backend='gloo')


@RUNNERS.register_module()
class Pose3dRunner(Runner):
    """:class:`mmengine.runner.Runner` with three fixes.

    - Distributed runs work on CPU (gloo): the process group is created
      before mmengine tries CUDA, and DDP wraps a CPU model without
      ``device_ids``.
    - Checkpoints are written to a temporary file and renamed into place,
      so a crash mid-write never leaves a corrupt checkpoint or a
      ``last_checkpoint`` pointing at one.
    - ``resume=True`` picks the newest *complete* checkpoint.
    """

    def setup_env(self, env_cfg):
        if (self.distributed and not dist.is_initialized()
                and not torch.cuda.is_available()):
            init_cpu_process_group(self.launcher)
        super().setup_env(env_cfg)

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
            atomic_replace(osp.join(out_dir, tmp_name),
                           osp.join(out_dir, filename))

    def load_or_resume(self):
        if self._resume and self._load_from is None and not self._has_loaded:
            self._load_from = find_latest_checkpoint(self.work_dir,
                                                     self.logger)
            if self._load_from is None:
                self.logger.warning(f'--resume: no complete checkpoint in '
                                    f'{self.work_dir}; training from scratch')
                self._resume = False
        return super().load_or_resume()
