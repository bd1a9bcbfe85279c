"""The image-model analysis tools run end to end on a tiny slice."""
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'tools' / 'analysis'))

TINY = ['train_dataloader.dataset.cache_dir=None',
        'train_dataloader.dataset.max_samples=8',
        'test_dataloader.dataset.cache_dir=None',
        'test_dataloader.dataset.max_samples=6',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'model.head.deconv_channels=[8,8,8]']


def test_throughput_benchmark_prints_both_columns(capsys):
    import benchmark_image_throughput as tool
    results = tool.main([str(REPO / 'configs/integral2d_r18_cmu.py'),
                         '--batches', '1', '--batch-size', '2',
                         '--cfg-options'] + TINY)
    out = capsys.readouterr().out
    assert 'no augmentation' in out and 'pipeline samples/s' in out
    for augmented in (True, False):
        assert all(np.isfinite(v) and v > 0 for v in results[augmented])


def test_baselines_report_mean_pose_and_untrained(tmp_path, monkeypatch):
    import eval_2d_baselines as tool
    monkeypatch.chdir(tmp_path)  # runner work dirs stay out of the repo
    rows = tool.main([str(REPO / 'configs/integral2d_r18_cmu.py'),
                      '--train-samples', '20', '--cfg-options'] + TINY)
    names = [name for name, _ in rows]
    assert names == ['mean pose', 'untrained']
    mean_pose, untrained = rows[0][1], rows[1][1]
    # the mean pose placed in the box is a far better guess than noise
    assert 0 < mean_pose['error_2d_px'] < untrained['error_2d_px']
    assert 0 <= mean_pose['pck@0.1'] <= 100
