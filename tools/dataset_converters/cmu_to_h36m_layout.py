"""Export the embedded CMU mocap dataset in MMPose's Human3.6M file layout.

Usage, from the repository root::

    python tools/dataset_converters/cmu_to_h36m_layout.py --out data/cmu_h36m
    python tools/dataset_converters/cmu_to_h36m_layout.py --out DIR \\
        --rig h36m --seed 0 --splits train test --subject-prefix S \\
        --fps-dir fps50

Files that exist in ``DIR`` are never overwritten without ``--force``.

:class:`~pose3d_toolbox.datasets.cmu_mocap.CMUMocapDataset` is built for each
split (``--rig`` and ``--seed`` apply to every split; the default ``h36m`` rig
makes the export deterministic) and its videos (one per take and camera) are
written as the files MMPose's ``preprocess_h36m.py`` writes, so that
:class:`~pose3d_toolbox.datasets.h36m.Human3p6mDataset` (or MMPose) reads them
back sample for sample::

    DIR/README.md                                  acknowledgement + command
    DIR/annotation_body3d/cameras.pkl              {(subject, camera_id): cam}
    DIR/annotation_body3d/<fps-dir>/h36m_train.npz train subjects
    DIR/annotation_body3d/<fps-dir>/h36m_test.npz  test subjects
    DIR/annotation_body3d/cmu_takes.json           sequence -> CMU take

No images are written (lifting does not read them); ``imgname`` only names
them.

Mapping to Human3.6M names (see also ``cmu_takes.json``):

* subject: ``<subject-prefix><CMU subject>``, e.g. ``'02'`` -> ``'S02'``.
* sequence: ``<action>_<take number>``; CMU take ``02_01`` of subject ``02``
  becomes ``Walking_01`` of ``S02``. ``<action>`` is one of the 15 Human3.6M
  actions chosen from CMU's description by :data:`ACTION_KEYWORDS` (the
  keyword found earliest in the lower-cased description decides; no keyword:
  :data:`FALLBACK_ACTION`). It is a coarse label only, the real take name
  and description are in ``cmu_takes.json`` (they cannot be put into the
  name: the sub-action part must be digits for ``normalize_h36m_action``).
* camera id: every take has its own rig (centred on the take), so every
  (take, camera) pair gets its own 8-digit camera id ``SSSTTTCC`` (CMU subject
  number, take number, 1-based camera index in the rig), e.g. ``00200101``
  for the first camera of take ``02_01``; ``cameras.pkl`` holds that camera
  under ``('S02', '00200101')``, with ``id`` the exported id and ``name``
  ``camera<index>`` as MMPose does. ``cmu_takes.json`` maps it back to the
  rig's own camera id (the Human3.6M serial for the ``h36m`` rig).
* frames: ``<frame>`` in the image name is the 1-based index of the stored
  30 fps CMU frame (every frame is kept, in order). ``--fps-dir`` only names
  the folder (``fps50`` is the folder ``Human3p6mDataset`` reads by default);
  the frame rate itself is recorded in ``cmu_takes.json`` and the README.

Per row: ``part`` = 2D pixels + a visibility column of ones, ``S`` = camera
coordinates in metres + a column of ones, ``center`` = centre of the 2D
keypoints' bounding box (pixels) and ``scale`` = 1.2 * its longer side / 200,
exactly as MMPose's ``preprocess_h36m.py`` computes them. Camera extrinsics
follow the toolbox convention of :mod:`pose3d_toolbox.utils.camera` (``T`` is
the camera centre in metres), which is the convention of MMPose's file.

The motion data was obtained from mocap.cs.cmu.edu; the database was created
with funding from NSF EIA-0196217 (``pose3d_toolbox/data/README.md``).
"""
import argparse
import json
import os
import os.path as osp
import pickle
import re
import shlex
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from pose3d_toolbox.datasets.cmu_mocap import CMUMocapDataset  # noqa: E402
from pose3d_toolbox.datasets.h36m import (  # noqa: E402
    H36M_ACTIONS, parse_h36m_imgname)
from pose3d_toolbox.datasets.mocap.cmu import (  # noqa: E402
    CMU_MOCAP_ACKNOWLEDGEMENT, load_cmu_mocap)

SPLIT_FILES = dict(train='h36m_train.npz', test='h36m_test.npz')
TOOL = 'tools/dataset_converters/cmu_to_h36m_layout.py'

#: keyword (in the lower-cased CMU description) -> Human3.6M action. The
#: keyword found earliest in the description decides. Human3.6M has no
#: running, jumping, dancing or sport: running / jogging is counted as
#: locomotion (Walking), held poses and balancing as Posing, and the rest
#: falls back to :data:`FALLBACK_ACTION`.
ACTION_KEYWORDS = (
    ('walk', 'Walking'), ('march', 'Walking'), ('limp', 'Walking'),
    ('navigate', 'Walking'), ('mummy', 'Walking'),
    ('digital8', 'Walking'), ('run', 'Walking'), ('jog', 'Walking'),
    ('pose', 'Posing'), ('balance', 'Posing'), ('static', 'Posing'),
    ('jump', 'Directions'), ('hop', 'Directions'), ('leap', 'Directions'),
    ('dance', 'Directions'), ('kick', 'Directions'),
    ('basketball', 'Directions'), ('soccer', 'Directions'),
)
#: the action of takes whose description has none of the keywords.
FALLBACK_ACTION = 'Directions'
#: bounding-box enlargement of MMPose's ``preprocess_h36m.py``.
BBOX_SCALE_FACTOR = 1.2

assert all(a in H36M_ACTIONS for _, a in ACTION_KEYWORDS)
assert FALLBACK_ACTION in H36M_ACTIONS


def h36m_action(description: str) -> str:
    """The Human3.6M action standing for a CMU take description."""
    text = str(description).lower()
    found = [(text.find(k), i) for i, (k, _) in enumerate(ACTION_KEYWORDS)
             if k in text]
    if not found:
        return FALLBACK_ACTION
    return ACTION_KEYWORDS[min(found)[1]][1]


def bbox_center_scale(kp2d: np.ndarray, factor: float = BBOX_SCALE_FACTOR):
    """MMPose's ``center (N, 2)`` and ``scale (N,)`` of ``(N, J, 2)``
    pixels: box centre and ``factor * longer side / 200``."""
    lo, hi = kp2d.min(axis=1), kp2d.max(axis=1)
    return (lo + hi) / 2, factor * (hi - lo).max(axis=1) / 200


def camera_id_for(subject: str, take_number: str, index: int) -> str:
    """8-digit id ``SSSTTTCC`` of camera ``index`` (0-based) of a take."""
    s, t, c = int(subject), int(take_number), index + 1
    if not (s < 1000 and t < 1000 and c < 100):
        raise ValueError(f'cannot make an 8-digit camera id for subject '
                         f'{subject!r}, take {take_number!r}, camera {c}')
    return f'{s:03d}{t:03d}{c:02d}'


def _take_number(subject: str, take: str) -> str:
    m = re.fullmatch(re.escape(subject) + r'_(\d+)', take)
    if not m or not subject.isdigit():
        raise ValueError(f'CMU take {take!r} of subject {subject!r} is not '
                         'named <subject digits>_<take digits>')
    return m.group(1)


def export_split(dataset: CMUMocapDataset, split: str, prefix: str,
                 takes_info: dict):
    """Rows, cameras and sequence records of one split's dataset."""
    names, kp2d, kp3d = [], [], []
    cameras, sequences = {}, {}
    rig_index = {}
    for video in dataset.videos:
        cmu_subject, take = video['subject'], video['take']
        number = _take_number(cmu_subject, take)
        index = rig_index[take] = rig_index.get(take, -1) + 1
        subject = f'{prefix}{cmu_subject}'
        action = h36m_action(video['action'])
        sequence = f'{action}_{number}'
        camera_id = camera_id_for(cmu_subject, number, index)
        key = (subject, camera_id)
        if key in cameras:
            raise ValueError(f'camera {key} exported twice')
        cameras[key] = dict(video['camera'], name=f'camera{index + 1}',
                            id=camera_id)
        seq_key = f'{subject}_{sequence}'
        info = takes_info[take]
        record = sequences.setdefault(seq_key, dict(
            split=split, subject=subject, cmu_subject=cmu_subject, take=take,
            description=info['description'], action=action,
            sequence=sequence, fps=float(info['fps']),
            frames=int(video['num_frames']), cameras={}))
        record['cameras'][camera_id] = video['camera_id']
        base = f'{seq_key}.{camera_id}'
        T = video['num_frames']
        names.extend(f'{subject}/{base}/{base}_{i + 1:06d}.jpg'
                     for i in range(T))
        kp2d.append(video['keypoints_2d'])
        kp3d.append(video['keypoints_3d'])
    kp2d = np.concatenate(kp2d).astype(np.float32)
    kp3d = np.concatenate(kp3d).astype(np.float32)
    ones = np.ones(kp2d.shape[:2] + (1, ), np.float32)
    center, scale = bbox_center_scale(kp2d)
    rows = dict(imgname=np.array(names, dtype=str),
                center=center.astype(np.float32),
                scale=scale.astype(np.float32),
                part=np.concatenate([kp2d, ones], -1),
                S=np.concatenate([kp3d, ones], -1))
    # every name must read back as a Human3.6M image name
    for name in (names[0], names[-1]):
        parse_h36m_imgname(name)
    return rows, cameras, sequences


def readme_text(command: str, args, summary: dict, fps: str) -> str:
    ack = '\n'.join(f'> {line}'
                    for line in CMU_MOCAP_ACKNOWLEDGEMENT.splitlines())
    splits = '\n'.join(
        f'* `annotation_body3d/{args.fps_dir}/{SPLIT_FILES[s]}`: split '
        f'`{s}`, {n["rows"]} rows, {n["videos"]} videos, {n["takes"]} takes '
        f'of subjects {", ".join(n["subjects"])}'
        for s, n in summary.items())
    return f"""# CMU motion capture in MMPose's Human3.6M layout

Takes of the CMU Graphics Lab Motion Capture Database (mocap.cs.cmu.edu),
as shipped with pose3d_toolbox (17 Human3.6M joints, 30 fps), filmed by the
virtual cameras of `CMUMocapDataset` (rig `{args.rig}`, seed {args.seed}) and
written in the file layout of MMPose's `preprocess_h36m.py`, so that
`Human3p6mDataset(data_root=<this folder>, ann_file=...)` reads it.

## Acknowledgement

CMU asks for this acknowledgement wherever the data is used:

{ack}

CMU's terms: "This dataset of motions is free for all uses. ... You may
include this data in commercially-sold products, but you may not resell this
data directly, even in converted form."

## How it was produced

From the repository root of pose3d_toolbox:

```
{command}
```

## Files

* `annotation_body3d/cameras.pkl`: `{{(subject, camera_id): dict(R, T, c, f,
  k, p, w, h, name, id)}}`, `T` = camera centre in metres.
{splits}
* `annotation_body3d/cmu_takes.json`: exported sequence (`S02_Walking_01`)
  -> CMU take, description, fps, and exported camera id -> rig camera id.

No images are written; `imgname` only names them. Rows: `part` = 2D pixels
+ visibility (ones), `S` = camera coordinates in metres + ones, `center` /
`scale` = keypoint bounding box (scale = 1.2 * longer side / 200).

Names: subject `{args.subject_prefix}<CMU subject>`; sequence
`<Human3.6M action>_<take number>` (the action is a coarse keyword label of
CMU's description, see `cmu_takes.json` for the real one); camera id
`SSSTTTCC` = CMU subject, take number, camera index (each take has its own
rig). Frame numbers count the stored CMU frames (1-based, {fps} fps, every
frame kept in order); the folder name `{args.fps_dir}` is only a name (the
one `Human3p6mDataset` expects by default), not the frame rate.
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Write the embedded CMU mocap dataset in MMPose's "
        'Human3.6M layout (annotation_body3d/...).')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--rig', choices=('h36m', 'random'), default='h36m',
                        help='camera rig of CMUMocapDataset for every split '
                        '(default: h36m, deterministic)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the random rigs (default: 0)')
    parser.add_argument('--splits', nargs='+', choices=tuple(SPLIT_FILES),
                        default=['train', 'test'],
                        help='splits to export (default: train test)')
    parser.add_argument('--subject-prefix', default='S',
                        help="prefix of subject names, '02' -> 'S02' "
                        '(default: S)')
    parser.add_argument('--fps-dir', default='fps50',
                        help='name of the folder of the npz files '
                        '(default: fps50)')
    parser.add_argument('--takes', nargs='+', default=None,
                        help='export only these CMU takes, e.g. 02_01 13_11 '
                        '(quick exports)')
    parser.add_argument('--data-file', default=None,
                        help='converted CMU mocap .npz (default: the '
                        'shipped one)')
    parser.add_argument('--force', action='store_true',
                        help='overwrite files that exist in --out')
    args = parser.parse_args(argv)
    if re.search(r'[_./\\\s]', args.subject_prefix):
        parser.error('--subject-prefix must not contain _ . / \\ or '
                     f'spaces, got {args.subject_prefix!r}')
    if not args.fps_dir or re.search(r'[/\\\s]', args.fps_dir) or \
            args.fps_dir in ('.', '..'):
        parser.error(f'--fps-dir must be a plain folder name, got '
                     f'{args.fps_dir!r}')
    args.splits = list(dict.fromkeys(args.splits))
    return parser, args


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, args = parse_args(argv)
    start = time.perf_counter()
    out = Path(args.out)
    ann_dir = out / 'annotation_body3d'
    split_dir = ann_dir / args.fps_dir
    outputs = [split_dir / SPLIT_FILES[s] for s in args.splits] + [
        ann_dir / 'cameras.pkl', ann_dir / 'cmu_takes.json', out / 'README.md']
    existing = [str(p) for p in outputs if p.exists()]
    if existing and not args.force:
        parser.error(f'{", ".join(existing)} exist; choose another --out, or '
                     'pass --force to overwrite them')

    takes_info = {t['take']: t for t in load_cmu_mocap(args.data_file)}
    if args.takes is not None:
        unknown = sorted(set(args.takes) - set(takes_info))
        if unknown:
            parser.error(f'unknown CMU takes {unknown}')

    all_rows, cameras, sequences, summary = {}, {}, {}, {}
    for split in args.splits:
        try:
            ds = CMUMocapDataset(split=split, rig=args.rig, seed=args.seed,
                                 visibility=False, data_file=args.data_file,
                                 takes=args.takes)
        except ValueError as e:
            parser.error(f'split {split!r}: {e} (choose --splits / --takes '
                         'that match)')
        rows, cams, seqs = export_split(ds, split, args.subject_prefix,
                                        takes_info)
        all_rows[split] = rows
        cameras.update(cams)
        sequences.update(seqs)
        summary[split] = dict(
            rows=len(rows['imgname']), videos=len(ds.videos),
            takes=len({v['take'] for v in ds.videos}),
            subjects=sorted({f'{args.subject_prefix}{v["subject"]}'
                             for v in ds.videos}))

    os.makedirs(split_dir, exist_ok=True)
    written = []
    for split, rows in all_rows.items():
        path = split_dir / SPLIT_FILES[split]
        np.savez(path, **rows)
        written.append(path)
    cam_path = ann_dir / 'cameras.pkl'
    with open(cam_path, 'wb') as f:
        pickle.dump(cameras, f)
    written.append(cam_path)

    command = shlex.join(['python', TOOL] + argv)
    meta = dict(
        source='CMU Graphics Lab Motion Capture Database (mocap.cs.cmu.edu), '
        'as shipped with pose3d_toolbox',
        acknowledgement=CMU_MOCAP_ACKNOWLEDGEMENT, command=command,
        rig=args.rig, seed=args.seed, splits=args.splits,
        subject_prefix=args.subject_prefix, fps_dir=args.fps_dir,
        takes=args.takes,
        frame_numbers='1-based index of the stored CMU frame (see fps)',
        camera_ids='SSSTTTCC: CMU subject, take number, 1-based camera index',
        action_keywords=dict(ACTION_KEYWORDS),
        fallback_action=FALLBACK_ACTION, sequences=sequences)
    json_path = ann_dir / 'cmu_takes.json'
    with open(json_path, 'w') as f:
        json.dump(meta, f, indent=1)
    written.append(json_path)
    readme = out / 'README.md'
    fps = '/'.join(sorted({f'{q["fps"]:g}' for q in sequences.values()}))
    readme.write_text(readme_text(command, args, summary, fps))
    written.append(readme)

    for split in SPLIT_FILES:
        stale = split_dir / SPLIT_FILES[split]
        if split not in all_rows and stale.is_file():
            print(f'warning: {stale} was not rewritten (split {split!r} not '
                  'exported); its cameras are no longer in cameras.pkl')

    for split, s in summary.items():
        actions = {}
        for seq in sequences.values():
            if seq['split'] == split:
                actions[seq['action']] = actions.get(seq['action'], 0) + 1
        acts = ', '.join(f'{a} {n}' for a, n in sorted(actions.items()))
        print(f'{split}: {s["rows"]} rows, {s["videos"]} videos, '
              f'{s["takes"]} takes, subjects {" ".join(s["subjects"])} '
              f'(takes per action: {acts})')
    print(f'{len(cameras)} cameras, rig {args.rig!r}, seed {args.seed}')
    for path in written:
        print(f'wrote {path} ({osp.getsize(path) / 1e6:.2f} MB)')
    print(f'done in {time.perf_counter() - start:.1f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
