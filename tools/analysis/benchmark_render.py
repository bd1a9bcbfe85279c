"""Time the synthetic renderer and the capsule visibility test.

Renders ``--num`` random poses seen by random cameras into crops and prints
images per second, then times :func:`joint_visibility` on the same poses.

Example:
    python tools/analysis/benchmark_render.py --num 500 --size 256 \
        --save-examples /tmp/renders
"""
import argparse
import os
import time

import numpy as np

from pose3d_toolbox.datasets.synthetic import (joint_visibility,
                                               random_poses, random_rig,
                                               render_person)
from pose3d_toolbox.utils.camera import world_to_camera


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num', type=int, default=500,
                        help='number of images to render')
    parser.add_argument('--size', type=int, default=256,
                        help='crop width and height in pixels')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--warmup', type=int, default=10,
                        help='untimed renders before timing')
    parser.add_argument('--save-examples', metavar='DIR',
                        help='also save the first 3 renders as PNG here')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    poses = random_poses(rng, args.num)
    cameras = random_rig(rng, args.num)
    poses_cam = np.stack([
        world_to_camera(p, cam['R'], cam['T'])
        for p, cam in zip(poses, cameras)
    ])
    size = (args.size, args.size)

    for i in range(min(args.warmup, args.num)):
        render_person(poses_cam[i], cameras[i], out_size=size,
                      rng=np.random.default_rng(i))
    start, start_cpu = time.perf_counter(), time.process_time()
    renders = [
        render_person(p, cam, out_size=size, rng=np.random.default_rng(i))
        for i, (p, cam) in enumerate(zip(poses_cam, cameras))
    ]
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - start_cpu
    # CPU time tells the renderer's own cost on a machine shared with other
    # jobs, where wall-clock time also counts waiting for a core
    print(f'render: {args.num} images of {args.size}x{args.size} in '
          f'{elapsed:.2f} s = {args.num / elapsed:.1f} images/s wall-clock '
          f'({1e3 * elapsed / args.num:.2f} ms/image); '
          f'{args.num / cpu:.1f} images/s of CPU time')

    start = time.perf_counter()
    vis = joint_visibility(poses_cam)  # all frames in one vectorised call
    batched = time.perf_counter() - start
    start = time.perf_counter()
    for p in poses_cam[:100]:
        joint_visibility(p)
    single = (time.perf_counter() - start) / min(100, args.num)
    print(f'visibility: {1e6 * batched / args.num:.1f} us/frame batched '
          f'over {args.num} frames, {1e3 * single:.2f} ms for one frame; '
          f'{vis.occluded.mean():.1%} of joints occluded')

    if args.save_examples:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        os.makedirs(args.save_examples, exist_ok=True)
        for i, out in enumerate(renders[:3]):
            path = os.path.join(args.save_examples, f'render_{i}.png')
            plt.imsave(path, out.image)
            print(f'saved {path}')


if __name__ == '__main__':
    main()
