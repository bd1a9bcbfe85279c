"""tools/analysis/fit_error_model.py as a user runs it: predictions with a
known error mixture in, the recovered model and one PNG per joint out; a
crafted prediction pickle is refused without running, and the dump of a
real test run reads."""
import os
import pickle
import subprocess
import sys

import numpy as np
import torch
from conftest import REPO, run_tool
from malicious import malicious_pickle

from pose3d_toolbox.datasets.error_model import load_error_model


def test_fit_error_model_tool_recovers_the_mixture(tmp_path):
    rng = np.random.default_rng(0)
    gt = rng.uniform(0, 1000, (3000, 17, 2))
    err = rng.normal(0, 4.0, gt.shape)
    outlier = rng.random(gt.shape[:2]) < 0.15
    err[outlier] = rng.uniform(-50, 50, (outlier.sum(), 2))
    preds = tmp_path / 'preds.npz'
    np.savez(preds, pred_keypoints_2d=gt + err, gt_keypoints_2d=gt)
    out = tmp_path / 'models' / 'mixture.npz'
    proc = run_tool('tools/analysis/fit_error_model.py', str(preds),
                    '--out', str(out), '--plot-dir', str(tmp_path / 'png'))
    assert 'right_wrist' in proc.stdout
    model = load_error_model(str(out))
    np.testing.assert_allclose(model['gamma'], 0.85, atol=0.025)
    np.testing.assert_allclose(model['sigma'], 4.0, rtol=0.06)
    pngs = sorted(p.name for p in (tmp_path / 'png').glob('*.png'))
    assert len(pngs) == 17 and pngs[0] == '00_pelvis.png'

    # The pickle tools/test.py --out writes works too; --kind gaussian.
    rows = [dict(pred_keypoints_2d=p, gt_keypoints_2d=g)
            for p, g in zip(gt[:500] + err[:500], gt[:500])]
    with open(tmp_path / 'preds.pkl', 'wb') as f:
        pickle.dump(rows, f)
    run_tool('tools/analysis/fit_error_model.py', str(tmp_path / 'preds.pkl'),
             '--kind', 'gaussian', '--out', str(tmp_path / 'g.npz'))
    single = load_error_model(str(tmp_path / 'g.npz'))
    assert str(single['kind']) == 'gaussian'
    np.testing.assert_allclose(single['gamma'], 1.0)
    assert (single['sigma'] > 8).all()  # outliers inflate a single Gaussian


def test_a_malicious_prediction_file_runs_no_code(tmp_path):
    marker = tmp_path / 'ran'
    evil = tmp_path / 'preds.pkl'
    evil.write_bytes(malicious_pickle(marker, lambda payload: [dict(
        pred_keypoints_2d=np.zeros((17, 2)), gt_keypoints_2d=payload)]))
    proc = subprocess.run(
        [sys.executable, 'tools/analysis/fit_error_model.py', str(evil),
         '--out', str(tmp_path / 'model.npz')], cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True,
        text=True, timeout=300)
    assert proc.returncode != 0
    assert 'UnsafePickleError' in proc.stderr
    assert f'{evil}: refused to load the global posix.system' in proc.stderr
    assert 'malicious' in proc.stderr
    assert not marker.exists()
    assert not (tmp_path / 'model.npz').exists()


def test_the_dump_of_a_test_run_is_read_safely(h36m_root, tmp_path):
    """What tools/test.py --out writes (mmengine's DumpResults over a real
    predict step) holds only plain data: the safe reader returns what
    pickle.load returns."""
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.evaluator import Evaluator
    from mmengine.registry import init_default_scope

    from pose3d_toolbox.fileio import load_pickle
    from pose3d_toolbox.registry import DATASETS, MODELS

    cfg = Config.fromfile(REPO / 'configs/simplebaseline3d_h36m.py')
    init_default_scope('pose3d_toolbox')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    cfg.test_dataloader.dataset.data_root = str(h36m_root)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    batch = pseudo_collate([dataset[i] for i in range(3)])
    with torch.no_grad():
        outputs = model.test_step(batch)
    dump = tmp_path / 'preds.pkl'
    evaluator = Evaluator([dict(type='DumpResults', out_file_path=str(dump))])
    evaluator.process(outputs, batch)
    evaluator.evaluate(len(outputs))

    safe = load_pickle(str(dump))
    with open(dump, 'rb') as f:
        plain = pickle.load(f)
    assert len(safe) == len(plain) == 3
    for a, b in zip(safe, plain):
        assert sorted(a) == sorted(b)
        assert {'pred_keypoints_3d', 'gt_keypoints_3d', 'camera'} <= set(a)
        for key in a:
            if isinstance(b[key], np.ndarray):
                np.testing.assert_array_equal(a[key], b[key])
