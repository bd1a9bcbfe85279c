"""tools/analysis/benchmark_threads.py trains a few iterations through the
Runner per thread setting and reports what each run used."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / 'tools' / 'analysis' / 'benchmark_threads.py'


def test_benchmark_threads_reports_each_setting():
    proc = subprocess.run(
        [sys.executable, str(TOOL), 'configs/simplebaseline3d_cmu.py',
         '--iters', '3', '--warmup', '1', '--threads', '1', 'auto',
         '--busy', '0', '--cfg-options', 'train_dataloader.batch_size=8'],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line.split() for line in proc.stdout.splitlines()
            if line.split()[:1] in (['1'], ['auto'])]
    assert [r[0] for r in rows] == ['1', 'auto']
    # columns: threads busy load s/iter data% used workers
    assert rows[0][5] == '1'  # env_cfg.num_threads=1 was applied
    assert all(float(r[3]) > 0 for r in rows)
