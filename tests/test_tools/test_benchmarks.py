"""The lifting benchmarks run end to end through the Runner on a tiny
slice (one training and one test subject, a few iterations) and print
their tables."""
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'tools' / 'analysis'))

# one training and one test subject, every 64th / 128th frame
SLICE = ['--cfg-options', 'train_dataloader.dataset.subjects=[05]',
         'test_dataloader.dataset.subjects=[02]',
         'train_dataloader.dataset.step=64',
         'test_dataloader.dataset.step=128']


def test_throughput_benchmark_prints_both_paths(capsys):
    import benchmark_train_throughput as tool
    results = tool.main(['--rows', 'SimpleBaseline', '--threads', '1',
                         '--iters', '2', '--warmup', '1', '--batch-size',
                         '16', '--eval-samples', '64'])
    out = capsys.readouterr().out
    assert 'per-sample/s' in out and 'Evaluation of the CMU test set' in out
    row = results['SimpleBaseline']
    for path in ('per-sample', 'batch'):
        assert row[path][1]['samples_s'] > 0
        assert 0 <= row[path][1]['data_share'] < 1
        assert row[path]['eval_n'] == 64 and row[path]['eval_s'] > 0
    assert row['batch'][1]['step_s'] > 0


def test_anatomy3d_benchmark_rows(capsys):
    import benchmark_anatomy3d as tool
    results = tool.main(['--rows', 'baseline', 'full', '--iters', '2',
                         '--batch-size', '8', '--channels', '16',
                         '--length-channels', '8', '--extra-seeds'] + SLICE)
    out = capsys.readouterr().out
    assert '| baseline |' in out and '| full |' in out
    for r in results.values():
        assert np.isfinite(r['mpjpe']) and r['bone_err'] > 0
        assert r['n_test'] > 0 and r['params'] > 0


def test_abslifter_benchmark_rows(capsys):
    import benchmark_abslifter as tool
    results = tool.main(['--rows', 'SimpleBaseline', tool.FULL, '--iters',
                         '2', '--batch-size', '8'] + SLICE)
    out = capsys.readouterr().out
    assert tool.CLOSED in out and 'MRPE full / closed-form root' in out
    assert np.isfinite(results[tool.FULL]['mrpe'])
    assert 'mrpe' not in results['SimpleBaseline']


def test_elepose_benchmark_rows(capsys, tmp_path):
    import benchmark_elepose as tool
    results = tool.main(['--rows', '0', '4', '--iters', '2', '--flow-iters',
                         '2', '--batch-size', '8', '--nll-rotations', '2',
                         '--work-dir', str(tmp_path)] + SLICE)
    out = capsys.readouterr().out
    assert 'flat pose (zero depth, reference)' in out
    assert 'SimpleBaseline (supervised, 3D labels)' in out
    assert [name for name, _, _ in results] == [tool.ROWS[0][0],
                                                tool.ROWS[4][0]]
    assert 'nll_pearson' in results[-1][1]
    assert (tmp_path / 'nll_vs_error.png').exists()


def test_hemlets_table4_rows_seed_check_and_resume(capsys, tmp_path,
                                                   monkeypatch):
    import benchmark_image_ablation as tool
    argv = ['--rows', 'baseline', 'full', '--epochs', '1', '--extra-seeds',
            '1', '--work-dir', str(tmp_path), '--cfg-options',
            'train_dataloader.dataset.max_samples=16',
            'test_dataloader.dataset.max_samples=8']
    results = tool.main(argv)
    out = capsys.readouterr().out
    assert '| baseline | L_3D |' in out and '| full |' in out
    assert 'Seed check' in out and 'Ordering by MPJPE' in out
    assert 'Reference: the mean training pose scores' in out
    assert 50 < results['mean_pose']['mpjpe'] < 500
    for r in results['rows'].values():
        assert np.isfinite(r['mpjpe']) and r['error_2d_px'] > 0
        assert r['n_test'] == 8 and r['epochs'] == 1
    assert results['rows']['full']['params'] > \
        results['rows']['baseline']['params']
    assert len(results['seed_check']['full']) == 2
    assert (tmp_path / 'full_seed1' / 'epoch_1.pth').exists()
    # an interrupted command resumes: finished runs are read back
    monkeypatch.setattr(tool, 'train_and_test', None)
    assert tool.main(argv) == results


def test_depthaware_ablation_rows(capsys):
    import benchmark_image_ablation as tool
    results = tool.main(['--table', 'depthaware', '--rows', 'baseline',
                         'full', '--epochs', '1', '--extra-seeds',
                         '--cfg-options',
                         'train_dataloader.dataset.max_samples=16',
                         'test_dataloader.dataset.max_samples=8'])
    out = capsys.readouterr().out
    assert 'Depth-aware heatmaps Table 4' in out
    assert '| baseline | wo DH, SF |' in out and '| full | DH and SF |' in out
    rows = results['rows']
    assert np.isfinite(rows['full']['mpjpe']) and rows['full']['n_test'] == 8
    assert rows['full']['params'] > rows['baseline']['params']
