"""Every config in configs/ loads, builds its model and data through the
registries, and runs a tiny forward in loss and predict modes (finite loss,
a gradient for every trainable parameter). A new config is covered without
new test code; configs whose data is absent run on generated fixtures of the
same schema."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from pose3d_toolbox.registry import DATASETS, MODELS

CONFIG_DIR = Path(__file__).resolve().parents[1] / 'configs'
CONFIGS = sorted(str(p.relative_to(CONFIG_DIR))
                 for p in CONFIG_DIR.rglob('*.py') if '_base_' not in p.parts)


def fixture_makers():
    import fixtures
    return {'Human3p6mDataset': fixtures.make_h36m_fixture,
            'MpiInf3dhpDataset': fixtures.make_mpi_inf_3dhp_fixture}


def build_dataset(cfg, tmp_path_factory):
    cfg = cfg.copy()
    maker = fixture_makers().get(cfg['type'])
    root = cfg.get('data_root')
    if maker is not None and not (root and Path(root).exists()):
        cfg['data_root'] = str(tmp_path_factory.mktemp(cfg['type']))
        maker(cfg['data_root'])
    return DATASETS.build(cfg)


def batch_of(dataset, n=4):
    idx = np.linspace(0, len(dataset) - 1, n).astype(int)
    return pseudo_collate([dataset[int(i)] for i in idx])


def test_configs_found():
    assert 'simplebaseline3d_h36m.py' in CONFIGS


@pytest.mark.parametrize('config', CONFIGS)
def test_config_builds_and_runs(config, tmp_path_factory):
    cfg = Config.fromfile(CONFIG_DIR / config)
    init_default_scope(cfg.get('default_scope', 'pose3d_toolbox'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()

    model.train()
    train_set = build_dataset(cfg.train_dataloader.dataset, tmp_path_factory)
    data = model.data_preprocessor(batch_of(train_set), True)
    losses = model(**data, mode='loss')
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total), losses
    total.backward()
    missing = [n for n, p in model.named_parameters()
               if p.requires_grad and (p.grad is None
                                       or not torch.isfinite(p.grad).all())]
    assert not missing, f'no (finite) gradient for {missing}'

    model.eval()
    val_set = build_dataset(cfg.val_dataloader.dataset, tmp_path_factory)
    with torch.no_grad():
        data = model.data_preprocessor(batch_of(val_set), False)
        preds = model(**data, mode='predict')
    for sample in preds:
        pred = np.asarray(sample.pred_keypoints_3d)
        assert pred.shape == np.asarray(sample.gt_keypoints_3d).shape
        assert np.isfinite(pred).all()
