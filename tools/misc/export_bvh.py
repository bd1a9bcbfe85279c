"""Write 3D joint sequences as BVH animation (Blender, Maya, game engines).

Input: a ``.npy`` array ``(T, 17, 3)`` or an ``.npz`` with one such array
(``--key`` names it when there are several), Human3.6M-17 joints in metres,
camera space (``--frame camera``, the default: what the inferencer's
``pred_keypoints_3d`` are) or the toolbox's Z-up world (``--frame world``);
or a take of the embedded CMU data (``--cmu-take 02_01``, world frame).
The round trip through the project's BVH reader is checked and printed
(the largest distance to the bone-length-normalised input), and
``--check-png`` draws frames of the read-back file; ``--read FILE.bvh``
draws a file written before (e.g. by ``demo/lift_keypoints.py --bvh``)
without writing anything else. Examples::

    python tools/misc/export_bvh.py --cmu-take 02_01 --out walk.bvh \\
        --check-png walk.png
    python tools/misc/export_bvh.py preds.npy --fps 50 --up z --unit m \\
        --out preds.bvh
    python tools/misc/export_bvh.py --read work_dirs/demo/x_track0.bvh \\
        --check-png x.png
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

import numpy as np  # noqa: E402

from pose3d_toolbox.apis.bvh_export import (UNITS,  # noqa: E402
                                            normalise_bone_lengths,
                                            read_bvh_joints, write_bvh)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('input', nargs='?', help='.npy or .npz joints')
    parser.add_argument('--cmu-take', help='export an embedded CMU take '
                        'instead, e.g. 02_01')
    parser.add_argument('--key', help='array of the .npz to export')
    parser.add_argument('--out', help='the .bvh to write')
    parser.add_argument('--read', help='draw this BVH file of the toolbox '
                        '(with --check-png) instead of writing one')
    parser.add_argument('--fps', type=float, default=None,
                        help='frames per second (required for array input;'
                        ' a CMU take has its own)')
    parser.add_argument('--frame', choices=('camera', 'world'),
                        default=None, help='input frame (default: camera; '
                        'world for --cmu-take)')
    parser.add_argument('--up', choices=('y', 'z'), default='y')
    parser.add_argument('--unit', choices=sorted(UNITS), default='cm')
    parser.add_argument('--order', default='ZXY',
                        help='rotation channel order')
    parser.add_argument('--check-png', help='draw frames of the read-back '
                        'file into this PNG')
    return parser.parse_args(argv)


def load_joints(args):
    """``(joints, fps, frame, source)`` from the command line."""
    if (args.input is None) == (args.cmu_take is None):
        raise SystemExit('give either an input file or --cmu-take')
    if args.cmu_take:
        from pose3d_toolbox.datasets.mocap.cmu import load_cmu_mocap
        takes = {t['take']: t for t in load_cmu_mocap()}
        if args.cmu_take not in takes:
            raise SystemExit(f'--cmu-take {args.cmu_take!r}: no such take; '
                             f'e.g. {sorted(takes)[:5]}')
        take = takes[args.cmu_take]
        return (take['keypoints_3d'], args.fps or take['fps'],
                args.frame or 'world', f'CMU take {args.cmu_take}')
    if args.fps is None:
        raise SystemExit(f'{args.input}: give --fps (frames per second of '
                         'the sequence)')
    try:
        data = np.load(args.input, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise SystemExit(f'{args.input}: not a readable .npy/.npz ({e})') \
            from None
    if isinstance(data, np.lib.npyio.NpzFile):
        keys = data.files
        key = args.key or (keys[0] if len(keys) == 1 else None)
        if key not in keys:
            raise SystemExit(f'{args.input} holds {keys}; choose one with '
                             '--key')
        data = data[key]
    return data, args.fps, args.frame or 'camera', args.input


def main(argv=None):
    args = parse_args(argv)
    if args.read:
        if not args.check_png:
            raise SystemExit('--read needs --check-png PNG')
        frames = draw_check(args.read, args.unit, args.up, args.check_png)
        print(f'{args.check_png}: frames of {args.read} ({frames} frames)')
        return dict(frames=frames)
    if not args.out:
        raise SystemExit('give --out FILE.bvh (or --read FILE.bvh)')
    joints, fps, frame, source = load_joints(args)
    try:
        joint_map = write_bvh(args.out, joints, fps=fps, frame=frame,
                              up=args.up, unit=args.unit, order=args.order)
    except ValueError as e:
        raise SystemExit(f'{source}: {e}') from None
    back = read_bvh_joints(args.out, joint_map, unit=args.unit, up=args.up,
                           frame=frame)
    ref = normalise_bone_lengths(np.asarray(joints, np.float64), 'h36m')
    err = np.linalg.norm(back - ref, axis=-1).max() * 1000
    print(f'{args.out}: {len(back)} frames at {fps:g} fps from {source}; '
          f'read back by the BVH reader: largest distance to the '
          f'bone-length-normalised input {err:.4f} mm')
    if args.check_png:
        draw_check(args.out, args.unit, args.up, args.check_png)
        print(f'{args.check_png}: frames of the read-back file')
    return dict(frames=len(back), max_error_mm=err, joint_map=joint_map)


def draw_check(bvh, unit, up, path, num=6) -> int:
    """``num`` evenly spaced frames of a BVH file of the toolbox, read back
    in camera axes (x right, y down: upright whatever frame the poses came
    in), in one 3D view each; returns the file's frame count."""
    from pose3d_toolbox.visualization import draw_skeleton_3d, new_figure
    joints = read_bvh_joints(bvh, unit=unit, up=up, frame='camera')
    fig = new_figure((3 * num, 3.6))
    for k, t in enumerate(np.linspace(0, len(joints) - 1, num).astype(int)):
        ax = fig.add_subplot(1, num, k + 1, projection='3d')
        draw_skeleton_3d(ax, joints[t], 'h36m')
        ax.set_title(f'frame {t}')
    fig.suptitle(f'{osp.basename(bvh)} (read back)')
    fig.savefig(path, dpi=80)
    return len(joints)


if __name__ == '__main__':
    main()
