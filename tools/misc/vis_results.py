"""Pictures, GIF / MP4 and the interactive HTML viewer of saved results.

``python tools/misc/vis_results.py RESULTS.pkl --out-dir DIR [--subject S]
[--action A] [--camera C] [--take N] [--frames START:STOP[:STEP]]
[--max-frames N] [--formats gif mp4 html png] [--fps F]``

RESULTS.pkl is what ``tools/test.py CONFIG CHECKPOINT --out RESULTS.pkl``
dumps (one dict per test sample; read as plain data only,
:func:`~pose3d_toolbox.fileio.load_pickle`). The samples of one video (the
``--take``-th run of one subject, action and camera that matches the
filters, in frame order) are drawn by
:class:`~pose3d_toolbox.visualization.Pose3dLocalVisualizer`: the
camera's frame (or image) with the 2D skeleton beside 3D views of the
prediction over the ground truth, every frame in the same camera-space
axes. Written: ``DIR/<video>.gif``, ``.mp4`` (imageio-ffmpeg's own ffmpeg),
``.html`` (offline viewer: rotate, slider, legend toggles) and, with
``png``, ``DIR/<video>_<frame>.png`` per frame.
"""
import argparse
import os.path as osp
import re
import sys
from collections import OrderedDict

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from pose3d_toolbox.fileio import load_pickle  # noqa: E402
from pose3d_toolbox.visualization import Pose3dLocalVisualizer  # noqa: E402

FORMATS = ('gif', 'mp4', 'html', 'png')
VIDEO_KEYS = ('subject', 'action', 'camera_id')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Draw the results of one video (tools/test.py --out)')
    parser.add_argument('results', help='RESULTS.pkl of tools/test.py --out')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument('--subject', help='keep this subject')
    parser.add_argument('--action', help='keep this action')
    parser.add_argument('--camera', help='keep this camera_id')
    parser.add_argument('--take', type=int, default=1,
                        help='the N-th video that matches (default 1)')
    parser.add_argument('--frames', default=':',
                        help='START:STOP[:STEP] slice of the video\'s '
                        'samples, in frame order (default: all)')
    parser.add_argument('--max-frames', type=int, default=100,
                        help='draw at most this many samples (default 100)')
    parser.add_argument('--formats', nargs='+', default=['gif', 'html'],
                        choices=FORMATS, help='what to write (default: gif '
                        'html)')
    parser.add_argument('--fps', type=float, default=10.0)
    return parser.parse_args(argv)


def videos(results, subject=None, action=None, camera=None) -> OrderedDict:
    """``(subject, action, camera_id, take)`` -> the video's samples in
    frame order, for the samples that match the filters. A dump keeps the
    dataset's order, so a video is a run of samples of one (subject,
    action, camera) with rising frames; another take of the same action
    (frames start again) gets the next ``take`` number (1, 2, ...)."""
    wanted = dict(subject=subject, action=action, camera_id=camera)
    found = OrderedDict()
    takes = {}
    last = None
    for sample in results:
        if any(v is not None and str(sample.get(k)) != v
               for k, v in wanted.items()):
            last = None
            continue
        video = tuple(str(sample.get(k, '')) for k in VIDEO_KEYS)
        frame = sample.get('frame') or 0
        if last is None or last[0] != video or frame <= last[1]:
            takes[video] = takes.get(video, 0) + 1
        found.setdefault(video + (str(takes[video]), ), []).append(sample)
        last = (video, frame)
    return found


def main(argv=None):
    args = parse_args(argv)
    results = load_pickle(args.results)  # plain data only, never code
    found = videos(results, args.subject, args.action, args.camera)
    if not found:
        have = sorted({tuple(str(s.get(k, '')) for k in VIDEO_KEYS)
                       for s in results})[:10]
        given = ' '.join(f'--{k} {v}' for k, v in (
            ('subject', args.subject), ('action', args.action),
            ('camera', args.camera)) if v is not None)
        raise SystemExit(f'vis_results: no sample of {args.results} matches '
                         f'{given}; (subject, action, camera) there: {have}')
    if args.take > len(found):
        raise SystemExit(f'vis_results: --take {args.take}, but only '
                         f'{len(found)} videos match: {list(found)[:10]}')
    key, samples = list(found.items())[args.take - 1]
    try:
        parts = [int(x) if x else None for x in args.frames.split(':')]
        samples = samples[slice(*parts)][:args.max_frames]
    except (TypeError, ValueError):
        raise SystemExit(f'vis_results: --frames {args.frames} is not a '
                         'slice START:STOP[:STEP] (e.g. 0:60:2)') from None
    if not samples:
        raise SystemExit(f'vis_results: --frames {args.frames} selects no '
                         f'sample of video {key}')
    name = re.sub(r'[^A-Za-z0-9._-]+', '-', '_'.join(key[:3]) + (
        f'_take{key[3]}' if key[3] != '1' else ''))
    vis = Pose3dLocalVisualizer.get_instance('vis_results', fps=args.fps)
    written = vis.save_sequence(samples, osp.join(args.out_dir, name),
                                args.formats,
                                frame_labels=[s['frame'] for s in samples])
    print(f'{len(samples)} frames of {key} (frames '
          f'{samples[0]["frame"]}..{samples[-1]["frame"]}):')
    for path in written:
        print(f'  {path}')
    return written


if __name__ == '__main__':
    main()
