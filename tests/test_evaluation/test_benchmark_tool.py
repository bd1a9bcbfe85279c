"""The metric benchmark runs end to end on a small problem and checks that
the closed-form Procrustes agrees with the batched SVD baseline (also on its
hard cases) and with the per-pose loop (it exits non-zero otherwise)."""
import subprocess
import sys
from pathlib import Path

TOOL = (Path(__file__).resolve().parents[2] / 'tools' / 'analysis'
        / 'benchmark_metrics.py')


def test_benchmark_metrics_small_run():
    proc = subprocess.run(
        [sys.executable, str(TOOL), '--num-poses', '3000', '--naive-poses',
         '300', '--repeat', '1', '--chunk-size', '1000'],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'speed-up of the closed form over the SVD' in proc.stdout
    for case in ('mirrored', 'coplanar', 'identical', 'collinear'):
        assert case in proc.stdout
    assert 'max |difference|' in proc.stdout
