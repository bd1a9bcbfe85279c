"""Every config in configs/ loads, builds its model and data through the
registries, and runs a tiny forward in loss and predict modes (finite loss,
a gradient for every trainable parameter). A new config is covered without
new test code; configs whose data is absent run on generated fixtures of the
same schema.

The same test pins every config's numbers: the losses and predictions of
its seeded tiny run are compared with ``tests/data/config_outputs.json``,
so a refactor that changes a number (an initialisation order, a codec
constant, a pipeline step) fails here. After a change that is meant to
change numbers, record them again with
``POSE3D_RECORD_OUTPUTS=1 python -m pytest tests/test_configs.py`` and say
why in the commit."""
import json
import os
import random
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from pose3d_toolbox.registry import DATASETS, MODELS

CONFIG_DIR = Path(__file__).resolve().parents[1] / 'configs'
RECORDED = Path(__file__).resolve().parent / 'data' / 'config_outputs.json'
RECORD = os.environ.get('POSE3D_RECORD_OUTPUTS') == '1'
CONFIGS = sorted(str(p.relative_to(CONFIG_DIR))
                 for p in CONFIG_DIR.rglob('*.py') if '_base_' not in p.parts)


def fixture_makers():
    import fixtures
    return {'Human3p6mDataset': fixtures.make_h36m_fixture,
            'MpiInf3dhpDataset': fixtures.make_mpi_inf_3dhp_fixture}


def transform_fixture_makers():
    """Transforms that read a file: type -> (argument, maker(path))."""
    import fixtures
    return {'SynthesizeKeypoints2D': ('model_file',
                                      fixtures.make_error_model_fixture)}


def image_fixture_makers():
    """Dataset type -> maker of a fixture with images, used when the
    dataset's pipeline loads images (``LoadImage``)."""
    import fixtures
    return {'Human3p6mDataset': fixtures.make_h36m_image_fixture,
            'MpiiDataset': fixtures.make_mpii_fixture,
            'CocoKeypoint2DDataset': fixtures.make_coco_fixture}


def small_image_config(cfg):
    """Shrink an image config's ``input_size``/``heatmap_size`` (and the
    rendered crops of the CMU image data) by the largest factor that keeps
    the input at least 32 px wide, so that ResNet-152 at 256 x 256 is
    tested at 32 x 32. The architecture is unchanged (ResNet's stride 32
    and the three deconvolutions keep heatmap = input / 4)."""
    sizes, seen = [], set()

    def walk(node, visit):
        if id(node) in seen:  # a pipeline shared by two datasets
            return
        seen.add(id(node))
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ('input_size', 'heatmap_size') and isinstance(
                        value, (list, tuple)) and len(value) == 2:
                    visit(node, key)
                else:
                    walk(value, visit)
        elif isinstance(node, (list, tuple)):
            for item in node:
                walk(item, visit)

    walk(cfg._cfg_dict.to_dict(), lambda node, key: sizes.append(
        node[key][0]) if key == 'input_size' else None)
    factor = min(sizes, default=0) // 32
    if factor > 1:
        seen.clear()
        for name in ('model', 'train_dataloader', 'val_dataloader'):
            section = cfg[name]
            walk(section, lambda node, key: node.__setitem__(
                key, tuple(int(v) // factor for v in node[key])))
    return cfg


def drop_missing_pretrained(node):
    """Remove ``init_cfg=dict(type='Pretrained', checkpoint=...)`` whose file
    is absent (ImageNet weights are not shipped; the loading path has its
    own test with a generated torchvision-layout state dict)."""
    if isinstance(node, dict):
        init = node.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained' and \
                not Path(str(init.get('checkpoint'))).exists():
            node['init_cfg'] = None
        for value in node.values():
            drop_missing_pretrained(value)


def build_dataset(cfg, tmp_path_factory):
    cfg = cfg.copy()
    if cfg['type'] == 'ConcatDataset':  # mixed 2D/3D training
        from mmengine.dataset import ConcatDataset
        return ConcatDataset(
            [build_dataset(c, tmp_path_factory) for c in cfg['datasets']],
            ignore_keys=cfg.get('ignore_keys'))
    maker = fixture_makers().get(cfg['type'])
    if any(t.get('type') == 'LoadImage' for t in cfg.get('pipeline', [])):
        maker = image_fixture_makers().get(cfg['type'], maker)
    root = cfg.get('data_root')
    if maker is not None and not (root and Path(root).exists()):
        cfg['data_root'] = str(tmp_path_factory.mktemp(cfg['type']))
        maker(cfg['data_root'])
    pipeline = [dict(t) for t in cfg.get('pipeline', [])]
    for transform in pipeline:
        key, make = transform_fixture_makers().get(transform['type'],
                                                   (None, None))
        if key is not None and not Path(transform[key]).exists():
            path = tmp_path_factory.mktemp(transform['type']) / Path(
                transform[key]).name
            make(str(path))
            transform[key] = str(path)
    cfg['pipeline'] = pipeline
    return DATASETS.build(cfg)


def batch_of(dataset, n=4):
    idx = np.linspace(0, len(dataset) - 1, n).astype(int)
    return pseudo_collate([dataset[int(i)] for i in idx])


def seed_everything(seed=0):
    """Seed every generator; one thread, so sums run in one order."""
    torch.set_num_threads(1)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def outputs_fingerprint(losses, preds):
    """The numbers a config's tiny run produced: each loss and each
    sample's predicted keypoints (3D, else 2D), as plain lists."""
    out = {k: float(v) for k, v in sorted(losses.items())
           if torch.is_tensor(v) and v.numel() == 1}
    for key in ('pred_keypoints_3d', 'pred_keypoints_2d'):
        if all(key in s for s in preds):
            out[key] = np.stack([np.asarray(s.get(key))
                                 for s in preds]).round(8).tolist()
            break
    return out


def check_recorded(config, fingerprint):
    """Compare ``fingerprint`` with the recorded one (or record it)."""
    recorded = json.loads(RECORDED.read_text()) if RECORDED.exists() else {}
    if RECORD:
        recorded[config] = fingerprint
        RECORDED.parent.mkdir(exist_ok=True)
        RECORDED.write_text(json.dumps(recorded, indent=0, sort_keys=True))
        return
    assert config in recorded, (
        f'{config} has no recorded outputs in {RECORDED}; record them with '
        'POSE3D_RECORD_OUTPUTS=1 python -m pytest tests/test_configs.py')
    expected = recorded[config]
    assert sorted(fingerprint) == sorted(expected), (
        f'{config}: outputs {sorted(fingerprint)}, recorded '
        f'{sorted(expected)}')
    for key, value in expected.items():
        np.testing.assert_allclose(
            np.asarray(fingerprint[key]), np.asarray(value), rtol=1e-3,
            atol=1e-4, err_msg=f'{config}: {key} differs from the recorded '
            'value (a refactor changed a number)')


def test_configs_found():
    assert 'simplebaseline3d_h36m.py' in CONFIGS


@pytest.mark.parametrize('config', CONFIGS)
def test_config_builds_and_runs(config, tmp_path_factory):
    cfg = small_image_config(Config.fromfile(CONFIG_DIR / config))
    drop_missing_pretrained(cfg.model)
    if cfg.model.get('flow_checkpoint'):
        # ElePose stage 2 names a work directory relative to the working
        # directory; build from the config alone, not from whatever stage-1
        # run happens to be there (loading is tested in test_elepose.py).
        cfg.model.flow_checkpoint = None
    init_default_scope(cfg.get('default_scope', 'pose3d_toolbox'))
    seed_everything(0)
    model = MODELS.build(cfg.model)
    model.init_weights()

    model.train()
    train_set = build_dataset(cfg.train_dataloader.dataset, tmp_path_factory)
    seed_everything(1)
    data = model.data_preprocessor(batch_of(train_set), True)
    seed_everything(2)
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
    seed_everything(3)
    with torch.no_grad():
        data = model.data_preprocessor(batch_of(val_set), False)
        preds = model(**data, mode='predict')
    check_recorded(config, outputs_fingerprint(losses, preds))
    for sample in preds:
        # 3D models are checked on 3D; 2D-only (image) models on 2D
        kind = '3d' if 'pred_keypoints_3d' in sample else '2d'
        pred = np.asarray(sample.get(f'pred_keypoints_{kind}'))
        assert pred.shape == np.asarray(
            sample.get(f'gt_keypoints_{kind}')).shape
        assert np.isfinite(pred).all()


def test_configs_import_nothing():
    """mmengine treats a config that imports a module outside the Python
    installation's prefix as a lazy-import config and refuses to mix it with
    plain ones; inside a virtualenv even ``import math`` is outside, so a
    config that imports anything breaks there."""
    bases = [str(p.relative_to(CONFIG_DIR))
             for p in (CONFIG_DIR / '_base_').rglob('*.py')]
    offenders = [c for c in CONFIGS + bases
                 if any(line.startswith(('import ', 'from ')) for line in
                        (CONFIG_DIR / c).read_text().splitlines())]
    assert not offenders, offenders
