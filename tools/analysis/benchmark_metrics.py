"""Time the functional 3D pose metrics on a large random set of poses.

Two comparisons:

1. PA-MPJPE (batched similarity Procrustes, chunked) against MPJPE with
   root alignment, the cheapest metric, on ``--num-poses`` poses (default
   1,000,000 x 17 joints);
2. the batched Procrustes against a naive per-pose Python loop (one 3x3 SVD
   per pose) on ``--naive-poses`` poses (default 10,000), checking that both
   give the same errors.

Each timing is the best of ``--repeat`` runs. Example::

    python tools/analysis/benchmark_metrics.py
    python tools/analysis/benchmark_metrics.py --num-poses 200000 --repeat 1
"""
import argparse
import os
import os.path as osp
import platform
import sys
import time

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

import numpy as np  # noqa: E402

from pose3d_toolbox.evaluation.functional import (  # noqa: E402
    DEFAULT_CHUNK_SIZE, align_root, mpjpe, pa_mpjpe)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--num-poses', type=int, default=1_000_000)
    parser.add_argument('--num-joints', type=int, default=17)
    parser.add_argument('--naive-poses', type=int, default=10_000,
                        help='poses for the per-pose loop comparison')
    parser.add_argument('--chunk-size', type=int, default=DEFAULT_CHUNK_SIZE)
    parser.add_argument('--repeat', type=int, default=3,
                        help='runs per timing; the best one is reported')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def naive_pa_mpjpe(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Reference: the same similarity Procrustes, one pose at a time.

    Args:
        pred, gt: ``(N, J, 3)`` metres. Returns ``(N,)`` millimetres.
    """
    out = np.empty(len(pred))
    for i, (p, g) in enumerate(zip(pred, gt)):
        p0 = p - p.mean(0)
        g0 = g - g.mean(0)
        u, sigma, vt = np.linalg.svd(p0.T @ g0)
        d = np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt)) or 1.0])
        rot = u @ d @ vt
        norm = (p0**2).sum()
        scale = np.trace(d @ np.diag(sigma)) / norm if norm > 0 else 0.0
        out[i] = np.linalg.norm(scale * p0 @ rot - g0, axis=1).mean() * 1000
    return out


def best_time(fn, repeat):
    """Run ``fn`` ``repeat`` times; return (best seconds, last result)."""
    best, result = float('inf'), None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    shape = (args.num_poses, args.num_joints, 3)
    print(f'numpy {np.__version__}, Python {platform.python_version()}, '
          f'{os.cpu_count()} CPUs, chunk size {args.chunk_size}')
    print(f'generating {args.num_poses:,} random poses x {args.num_joints} '
          f'joints (float64, metres) ...')
    gt = rng.normal(scale=0.3, size=shape)
    pred = gt + rng.normal(scale=0.05, size=shape)

    def run_mpjpe():
        return mpjpe(align_root(pred, 0), align_root(gt, 0))

    def run_pa_mpjpe():
        return pa_mpjpe(pred, gt, chunk_size=args.chunk_size)

    t_mpjpe, e_mpjpe = best_time(run_mpjpe, args.repeat)
    t_pa, e_pa = best_time(run_pa_mpjpe, args.repeat)
    n = args.num_poses
    print(f'\n[1] {n:,} poses, best of {args.repeat}')
    print(f'  MPJPE (root-aligned): {t_mpjpe:8.3f} s  '
          f'({n / t_mpjpe / 1e6:6.2f} M poses/s)  '
          f'mean {e_mpjpe.mean():.2f} mm')
    print(f'  PA-MPJPE (batched)  : {t_pa:8.3f} s  '
          f'({n / t_pa / 1e6:6.2f} M poses/s)  mean {e_pa.mean():.2f} mm')
    print(f'  PA-MPJPE / MPJPE time ratio: {t_pa / t_mpjpe:.2f}x')

    m = min(args.naive_poses, n)
    sub_pred, sub_gt = pred[:m], gt[:m]
    t_naive, e_naive = best_time(lambda: naive_pa_mpjpe(sub_pred, sub_gt),
                                 args.repeat)
    t_batch, e_batch = best_time(
        lambda: pa_mpjpe(sub_pred, sub_gt, chunk_size=args.chunk_size),
        args.repeat)
    diff = np.abs(e_naive - e_batch).max()
    print(f'\n[2] {m:,} poses, best of {args.repeat}')
    print(f'  naive per-pose loop : {t_naive:8.3f} s  '
          f'({t_naive / m * 1e6:7.2f} us/pose)')
    print(f'  batched Procrustes  : {t_batch:8.3f} s  '
          f'({t_batch / m * 1e6:7.2f} us/pose)')
    print(f'  speed-up: {t_naive / t_batch:.1f}x   '
          f'max |difference|: {diff:.2e} mm')
    if not diff < 1e-6:
        raise SystemExit(f'batched and naive PA-MPJPE disagree by {diff} mm')


if __name__ == '__main__':
    main()
