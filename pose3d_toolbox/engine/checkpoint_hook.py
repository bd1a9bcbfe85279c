"""A CheckpointHook that a kill at any moment cannot cost a checkpoint."""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from pose3d_toolbox.registry import HOOKS
from pose3d_toolbox.utils.atomic import atomic_write, remove_stale_tmp_files


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """:class:`mmengine.hooks.CheckpointHook` in a kill-safe order, saving
    the state an exact resume needs.

    Each save (i) writes the checkpoint to a temporary file in the same
    directory, fsyncs and renames it (``Pose3dRunner.save_checkpoint``),
    (ii) then points ``last_checkpoint`` at it, also atomically, and (iii)
    only then deletes checkpoints beyond ``max_keep_ckpts``. mmengine
    deletes the oldest first, so with ``max_keep_ckpts=1`` a kill during
    the write left no checkpoint at all. Temporary files of killed writes
    are removed when training starts.

    The checkpoint also holds ``train_state``: the random generators and
    the data layout (``ExactResumeEpochLoop.train_state``), restored on
    ``--resume``.

    Args: as :class:`~mmengine.hooks.CheckpointHook`.
    """

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process() and '://' not in self.out_dir:
            for folder in {self.out_dir, runner.work_dir}:
                for path in remove_stale_tmp_files(folder):
                    runner.logger.info(f'removed {path}, left by a write '
                                       'that was cut short')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        loop = runner.train_loop
        if hasattr(loop, 'train_state'):
            checkpoint['train_state'] = loop.train_state()
        checkpoint['meta'].update(world_size=runner.world_size)

    def _save_checkpoint_with_step(self, runner, step, meta):
        dropped, kept = None, None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            kept = list(self.keep_ckpt_ids)
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                dropped = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            # the checkpoint records the list it belongs to
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        ckpt_filename = self.filename_tmpl.format(step)
        try:
            runner.save_checkpoint(
                self.out_dir, ckpt_filename, self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler, meta=meta,
                by_epoch=self.by_epoch, backend_args=self.backend_args,
                **self.args)
        except BaseException:
            if kept is not None:  # the old checkpoints are still the kept
                self.keep_ckpt_ids.clear()
                self.keep_ckpt_ids.extend(kept)
                runner.message_hub.update_info('keep_ckpt_ids', kept)
            raise
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        if not is_main_process():
            return
        with atomic_write(osp.join(runner.work_dir, 'last_checkpoint')) as f:
            f.write(self.last_ckpt)
        if dropped is not None and dropped != step:
            path = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(dropped))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                self.file_backend.rmtree(path)
