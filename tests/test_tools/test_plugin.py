"""A user's own parts, in a module outside the package, registered with the
toolbox's registries and loaded through ``custom_imports``, train with
``tools/train.py`` unchanged (the README's "Writing a plugin")."""
import textwrap

import torch
from conftest import REPO, run_tool

import pose3d_toolbox.engine  # noqa: F401  (allow-lists checkpoint types)

PLUGIN = '''
import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from torch import nn

from pose3d_toolbox.registry import METRICS, MODELS


@MODELS.register_module()
class TinyPluginBackbone(nn.Module):
    def __init__(self, in_channels, width=64):
        super().__init__()
        self.plugin_fc = nn.Sequential(
            nn.Flatten(1), nn.Linear(in_channels, width), nn.ReLU())

    def forward(self, x):
        return self.plugin_fc(x)


@METRICS.register_module()
class MaxJointError(BaseMetric):
    def process(self, data_batch, data_samples):
        for s in data_samples:
            gt = np.asarray(s['gt_keypoints_3d'])
            err = np.linalg.norm(np.asarray(s['pred_keypoints_3d'])
                                 - (gt - gt[0]), axis=-1)
            self.results.append(err.max() * 1000)

    def compute_metrics(self, results):
        return dict(plugin_max_error=float(np.max(results)))
'''


def test_plugin_backbone_and_metric_train(h36m_root, tmp_path):
    (tmp_path / 'my_plugin.py').write_text(PLUGIN)
    (tmp_path / 'my_config.py').write_text(textwrap.dedent(f'''
        _base_ = ['{REPO}/configs/simplebaseline3d_h36m.py']
        custom_imports = dict(imports=['my_plugin'],
                              allow_failed_imports=False)
        model = dict(
            backbone=dict(_delete_=True, type='TinyPluginBackbone',
                          in_channels=34, width=64),
            head=dict(in_channels=64))
        val_evaluator = [dict(type='MaxJointError')]
        test_evaluator = val_evaluator
        train_cfg = dict(max_epochs=1, val_interval=1)
    '''))
    opts = []
    for split in ('train', 'val', 'test'):
        opts += [f'{split}_dataloader.dataset.data_root={h36m_root}',
                 f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
    proc = run_tool('tools/train.py', str(tmp_path / 'my_config.py'),
                    '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                    *opts, env=dict(PYTHONPATH=f'{REPO}:{tmp_path}'))
    assert 'plugin_max_error' in proc.stdout + proc.stderr
    state = torch.load(tmp_path / 'work' / 'epoch_1.pth')['state_dict']
    assert 'backbone.plugin_fc.1.weight' in state
