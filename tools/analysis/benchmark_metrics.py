"""Time the functional 3D pose metrics on a large random set of poses.

Three comparisons:

1. PA-MPJPE as shipped (closed-form Procrustes, Horn's quaternion, chunked)
   side by side with the same pipeline solved by a batched
   ``numpy.linalg.svd`` per chunk (the implementation before the closed
   form, kept here as the baseline) and with root-aligned MPJPE, the
   cheapest metric, on ``--num-poses`` poses (default 1,000,000 x 17
   joints): seconds, their ratio, and the largest difference in mm;
2. the same on hard cases -- coplanar, mirrored and identical poses and
   predictions unrelated to the truth -- where only the difference is
   reported;
3. the shipped PA-MPJPE against a naive per-pose Python loop (one 3x3 SVD
   per pose) on ``--naive-poses`` poses (default 10,000).

Each timing is the best of ``--repeat`` runs, wall clock and the process's
CPU time (on a shared machine the CPU time is the steadier of the two);
the load average is printed with them. Exits non-zero if any difference
reaches 1e-6 mm. Example::

    OMP_NUM_THREADS=1 python tools/analysis/benchmark_metrics.py
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
    DEFAULT_CHUNK_SIZE, M_TO_MM, align_root, mpjpe, pa_mpjpe)
from pose3d_toolbox.evaluation.functional.procrustes import (  # noqa: E402
    svd_rotation)

#: The baseline's chunk size (the default before the closed form).
SVD_CHUNK_SIZE = 16384
TOLERANCE_MM = 1e-6


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


def svd_pa_mpjpe(pred, gt, chunk_size=SVD_CHUNK_SIZE):
    """Baseline: PA-MPJPE with a batched LAPACK SVD per chunk -- the
    toolbox's implementation before the closed form, step for step.

    Args:
        pred, gt: ``(N, J, 3)`` float64 metres. Returns ``(N,)`` mm.
    """
    out = np.empty(len(pred))
    num_joints = pred.shape[1]
    for start in range(0, len(pred), chunk_size):
        p = pred[start:start + chunk_size]
        g = gt[start:start + chunk_size]
        p_c = p - np.einsum('njk->nk', p)[:, None] / num_joints
        g_c = g - np.einsum('njk->nk', g)[:, None] / num_joints
        h = np.matmul(p_c.transpose(0, 2, 1), g_c)
        p_sq = np.einsum('njk,njk->n', p_c, p_c)
        rot, trace = svd_rotation(h)
        scale = np.zeros_like(p_sq)
        np.divide(trace, p_sq, out=scale, where=p_sq > 1e-20)
        diff = np.matmul(p_c, rot) * scale[:, None, None] - g_c
        out[start:start + chunk_size] = np.sqrt(
            np.einsum('njk,njk->nj', diff, diff)).mean(-1) * M_TO_MM
    return out


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
    """Run ``fn`` ``repeat`` times; return (best wall s, best CPU s, last
    result)."""
    wall, cpu, result = float('inf'), float('inf'), None
    for _ in range(max(1, repeat)):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu, result


def hard_cases(rng, n, num_joints):
    """Poses where the rotation is ill-conditioned or exactly known."""
    gt = rng.normal(scale=0.3, size=(n, num_joints, 3))
    planar = gt * [1.0, 1.0, 0.0]
    return {
        'unrelated': (rng.normal(scale=0.3, size=gt.shape), gt),
        'mirrored': (gt * [-1.0, 1.0, 1.0], gt),
        'coplanar': (planar + rng.normal(scale=0.02, size=gt.shape)
                     * [1.0, 1.0, 0.0], planar),
        'coplanar mirrored': (planar * [-1.0, 1.0, 1.0], planar),
        'identical': (gt, gt),
        'collinear': (gt[..., :1] * [1.0, 2.0, 3.0], gt),
    }


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    shape = (args.num_poses, args.num_joints, 3)
    load = ', '.join(f'{x:.1f}' for x in os.getloadavg())
    print(f'numpy {np.__version__}, Python {platform.python_version()}, '
          f'{os.cpu_count()} CPUs, load average {load}, '
          f'OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS", "unset")}')
    print(f'generating {args.num_poses:,} random poses x {args.num_joints} '
          f'joints (float64, metres) ...')
    gt = rng.normal(scale=0.3, size=shape)
    pred = gt + rng.normal(scale=0.05, size=shape)
    n = args.num_poses

    rows = [
        ('MPJPE (root-aligned)', lambda: mpjpe(align_root(pred, 0),
                                                align_root(gt, 0))),
        (f'PA-MPJPE, batched SVD (before), chunk {SVD_CHUNK_SIZE}',
         lambda: svd_pa_mpjpe(pred, gt)),
        (f'PA-MPJPE, closed form (now), chunk {args.chunk_size}',
         lambda: pa_mpjpe(pred, gt, chunk_size=args.chunk_size)),
    ]
    results = [(name, *best_time(fn, args.repeat)) for name, fn in rows]
    print(f'\n[1] {n:,} poses, best of {args.repeat}')
    print(f'  {"":48s} {"wall s":>8s} {"CPU s":>8s} {"mean mm":>9s}')
    for name, wall, cpu, err in results:
        print(f'  {name:48s} {wall:8.3f} {cpu:8.3f} {err.mean():9.3f}')
    (_, w_svd, c_svd, e_svd), (_, w_new, c_new, e_new) = results[1:]
    worst = np.abs(e_svd - e_new).max()
    print(f'  speed-up of the closed form over the SVD: {w_svd / w_new:.1f}x '
          f'wall, {c_svd / c_new:.1f}x CPU; max |difference| {worst:.1e} mm')

    m = min(args.naive_poses, n)
    print(f'\n[2] hard cases, {m:,} poses each: max |closed form - SVD| mm')
    for name, (p, g) in hard_cases(rng, m, args.num_joints).items():
        diff = np.abs(pa_mpjpe(p, g, chunk_size=args.chunk_size)
                      - svd_pa_mpjpe(p, g)).max()
        print(f'  {name:20s} {diff:.1e}')
        worst = max(worst, diff)

    sub_pred, sub_gt = pred[:m], gt[:m]
    t_naive, _, e_naive = best_time(
        lambda: naive_pa_mpjpe(sub_pred, sub_gt), args.repeat)
    t_batch, _, e_batch = best_time(
        lambda: pa_mpjpe(sub_pred, sub_gt, chunk_size=args.chunk_size),
        args.repeat)
    diff = np.abs(e_naive - e_batch).max()
    worst = max(worst, diff)
    print(f'\n[3] {m:,} poses, best of {args.repeat}')
    print(f'  naive per-pose loop : {t_naive:8.3f} s  '
          f'({t_naive / m * 1e6:7.2f} us/pose)')
    print(f'  closed form, chunked: {t_batch:8.3f} s  '
          f'({t_batch / m * 1e6:7.2f} us/pose)')
    print(f'  speed-up: {t_naive / t_batch:.1f}x   '
          f'max |difference|: {diff:.2e} mm')
    if not worst < TOLERANCE_MM:
        raise SystemExit(f'PA-MPJPE implementations disagree by {worst} mm '
                         f'(tolerance {TOLERANCE_MM} mm)')


if __name__ == '__main__':
    main()
