"""tools/analysis/fit_error_model.py as a user runs it: predictions with a
known error mixture in, the recovered model and one PNG per joint out."""
import pickle

import numpy as np
from conftest import run_tool

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
