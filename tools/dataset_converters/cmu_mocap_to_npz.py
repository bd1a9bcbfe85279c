"""Convert CMU ASF/AMC motion capture to the toolbox's compact .npz file.

Usage, from the repository root::

    python tools/dataset_converters/cmu_mocap_to_npz.py \\
        --src ../shared/data/cmu_mocap \\
        --out pose3d_toolbox/data/cmu_mocap_h36m17.npz --fps 30

(those are the defaults; relative default paths are taken from the repository
root wherever the command is run). Every file is checked against the sha256 in
``<src>/manifest.json`` first. Each take is turned into 17 Human3.6M joints by
forward kinematics (:mod:`pose3d_toolbox.datasets.mocap.asf_amc`), in metres
in the toolbox's Z-up world frame, resampled from 120 fps (every 4th frame for
30 fps; linear interpolation when the rates do not divide) and stored as int16
millimetres (format: :mod:`pose3d_toolbox.datasets.mocap.cmu`). The output is
byte-for-byte deterministic. An existing output file (by default the shipped
one, tracked by git) is never overwritten without ``--force``.
"""
import argparse
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from pose3d_toolbox.datasets.mocap.cmu import (  # noqa: E402
    convert_cmu_mocap, read_manifest, save_cmu_mocap)

DEFAULT_SRC = '../shared/data/cmu_mocap'
DEFAULT_OUT = 'pose3d_toolbox/data/cmu_mocap_h36m17.npz'
DEFAULT_FPS = 30.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert CMU ASF/AMC takes to H36M-17 joints in one '
        '.npz file.')
    parser.add_argument('--src', default=None,
                        help=f'folder with manifest.json and the ASF/AMC '
                        f'files (default: {DEFAULT_SRC}, relative to the '
                        'repository root)')
    parser.add_argument('--out', default=None,
                        help=f'output .npz (default: {DEFAULT_OUT}, relative '
                        'to the repository root)')
    parser.add_argument('--fps', type=float, default=DEFAULT_FPS,
                        help=f'output frame rate (default: {DEFAULT_FPS:g})')
    parser.add_argument('--subjects', nargs='+', default=None,
                        help='convert only these subjects, e.g. 02 13')
    parser.add_argument('--takes', nargs='+', default=None,
                        help='convert only these takes, e.g. 02_01')
    parser.add_argument('--force', action='store_true',
                        help='overwrite --out if it exists')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    src = Path(args.src) if args.src else (REPO_ROOT / DEFAULT_SRC).resolve()
    out = Path(args.out) if args.out else REPO_ROOT / DEFAULT_OUT
    try:  # a missing source (no ../shared) first: nothing else can help
        read_manifest(src)
    except FileNotFoundError as err:
        raise SystemExit(f'{Path(__file__).name}: {err}') from None
    if out.exists() and not args.force:
        raise SystemExit(
            f'{out} exists (by default the shipped file, tracked by git); '
            'write elsewhere with --out PATH, or pass --force to overwrite '
            'it')
    start = time.perf_counter()
    print(f'checking sha256 and converting {src} at {args.fps:g} fps',
          flush=True)
    takes = convert_cmu_mocap(src, fps=args.fps, subjects=args.subjects,
                              takes=args.takes,
                              progress=lambda line: print(line, flush=True))
    save_cmu_mocap(takes, out)
    frames = sum(len(t['keypoints_3d']) for t in takes)
    subjects = sorted({t['subject'] for t in takes}, key=int)
    print(f'wrote {out}: {len(takes)} takes of subjects {subjects}, {frames} '
          f'frames, {out.stat().st_size / 1e6:.2f} MB in '
          f'{time.perf_counter() - start:.1f} s')
    return out


if __name__ == '__main__':
    main()
