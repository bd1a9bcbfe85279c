"""Fit ElePose's 2D pose projection on the training set before training."""
import logging

import torch
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from pose3d_toolbox.registry import HOOKS


@HOOKS.register_module()
class FitPosePCAHook(Hook):
    """Fit the model's :class:`~pose3d_toolbox.models.flows.PosePCA` on
    the training set before training (ElePose stage 1).

    Reads the network inputs (the codec's normalised 2D poses, target frame)
    of every ``step``-th training sample through the dataset's own pipeline
    -- 2D only, no 3D is read -- and fits ``model.prior.pca``. Skipped when
    the projection is already fitted (e.g. after ``--resume``). Every rank
    reads the whole training set, so all ranks fit the same projection.

    Args:
        step: use every ``step``-th training sample.
        batch_size: samples read at a time.
    """

    priority = 'VERY_HIGH'

    def __init__(self, step: int = 1, batch_size: int = 1024):
        self.step, self.batch_size = int(step), int(batch_size)

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        pca = model.prior.pca
        if pca.is_fitted:
            return
        dataset = runner.train_dataloader.dataset
        poses = []
        indices = range(0, len(dataset), self.step)
        # a DataLoader's batch fetch: the batch path when the dataset has
        # one, else the samples one by one
        get = getattr(dataset, '__getitems__',
                      lambda items: [dataset[i] for i in items])
        for start in range(0, len(indices), self.batch_size):
            batch = pseudo_collate(
                get(list(indices[start:start + self.batch_size])))
            inputs = torch.stack(list(batch['inputs'])).float()
            poses.append(model.target_frame(inputs))
        kept = pca.fit(torch.cat(poses))
        print_log(f'FitPosePCAHook: fitted the 2D pose projection '
                  f'({pca.out_dim} dimensions) on {len(indices)} training '
                  f'samples; it keeps {100 * kept:.2f}% of the variance',
                  logger='current', level=logging.INFO)
