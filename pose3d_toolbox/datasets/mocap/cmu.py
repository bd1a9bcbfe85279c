"""The CMU motion capture takes shipped with the toolbox, as H36M-17 joints.

The file ``pose3d_toolbox/data/cmu_mocap_h36m17.npz`` holds 166 takes of 9
subjects of the CMU Graphics Lab Motion Capture Database, converted from the
original ASF/AMC files by::

    python tools/dataset_converters/cmu_mocap_to_npz.py

(defaults ``--src ../shared/data/cmu_mocap --out
pose3d_toolbox/data/cmu_mocap_h36m17.npz --fps 30``, relative to the
repository root). :func:`load_cmu_mocap` reads it back.

World frame: Z-up, metres, right-handed (CMU's Y-up converted by
``(x, y, z) -> (x, -z, y)``, see :mod:`.asf_amc`).

File format (``np.load``-able, no pickles), ``n`` takes, ``N`` frames in all:

=================  ==========  ===============================================
key                dtype       content
=================  ==========  ===============================================
format_version     int64 ()    :data:`FORMAT_VERSION`
joint_names        str (17,)   :data:`pose3d_toolbox.skeletons.H36M` order
subject            str (n,)    e.g. ``'05'``
take               str (n,)    e.g. ``'05_02'``
description        str (n,)    CMU's description of the take
fps                float (n,)  frame rate of the stored frames
source_fps         float (n,)  frame rate of the AMC file (120)
source_frames      int (n,)    frames in the AMC file
frame_offsets      int (n+1,)  take ``i`` is frames ``[off[i], off[i+1])``
keypoints_3d_mm    int16       ``(N, 17, 3)`` world positions, millimetres
acknowledgement    str ()      :data:`CMU_MOCAP_ACKNOWLEDGEMENT`
=================  ==========  ===============================================

Millimetre rounding keeps every joint within 0.87 mm of the float result.
"""
import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import (Callable, Dict, Iterable, List, Optional, Sequence,
                    Union)

import numpy as np

from pose3d_toolbox.skeletons import H36M
from .asf_amc import asf_amc_to_h36m17, parse_amc, parse_asf

PathLike = Union[str, Path]

#: the shipped file, found relative to this module.
DEFAULT_CMU_MOCAP_PATH = (Path(__file__).resolve().parents[2] / 'data' /
                          'cmu_mocap_h36m17.npz')
#: how to (re)create it, from the repository root.
CONVERTER_COMMAND = 'python tools/dataset_converters/cmu_mocap_to_npz.py'
FORMAT_VERSION = 1

#: the evaluation protocol's fixed split (shared data README).
CMU_TRAIN_SUBJECTS = ('05', '06', '09', '10', '16', '105')
CMU_TEST_SUBJECTS = ('02', '13', '49')

#: CMU asks for this wherever the data is used.
CMU_MOCAP_ACKNOWLEDGEMENT = (
    'The data used in this project was obtained from mocap.cs.cmu.edu.\n'
    'The database was created with funding from NSF EIA-0196217.')

_KEYS = ('format_version', 'joint_names', 'subject', 'take', 'description',
         'fps', 'source_fps', 'source_frames', 'frame_offsets',
         'keypoints_3d_mm', 'acknowledgement')


def resample(positions: np.ndarray, src_fps: float,
             dst_fps: float) -> np.ndarray:
    """Resample ``(T, ...)`` frames from ``src_fps`` to ``dst_fps``.

    When ``src_fps / dst_fps`` is a whole number ``k`` this keeps every
    ``k``-th frame starting with the first; otherwise output frame ``i`` is
    linearly interpolated at time ``i / dst_fps``. Either way the output
    spans the input: ``floor((T - 1) * dst_fps / src_fps) + 1`` frames.
    """
    if src_fps <= 0 or dst_fps <= 0:
        raise ValueError(f'frame rates must be > 0, got {src_fps}, '
                         f'{dst_fps}')
    positions = np.asarray(positions)
    ratio = src_fps / dst_fps
    step = int(round(ratio))
    if step >= 1 and abs(ratio - step) < 1e-9:
        return positions[::step]
    total = len(positions)
    if total == 0:
        return positions
    count = int(np.floor((total - 1) / ratio + 1e-9)) + 1
    u = np.arange(count) * ratio
    lower = np.minimum(np.floor(u).astype(np.int64), total - 1)
    upper = np.minimum(lower + 1, total - 1)
    w = (u - lower).reshape((-1, ) + (1, ) * (positions.ndim - 1))
    return positions[lower] * (1 - w) + positions[upper] * w


def read_manifest(src: PathLike) -> List[dict]:
    """The entries of ``<src>/manifest.json``."""
    path = Path(src) / 'manifest.json'
    if not Path(src).is_dir():
        raise FileNotFoundError(
            f'the CMU mocap folder {src} does not exist. The original ASF/AMC '
            'takes come with the shared data folder beside the repository '
            '(../shared/data/cmu_mocap, see its README); pass its location as '
            '--src. Training and testing need no conversion: the converted '
            f'takes ship as {DEFAULT_CMU_MOCAP_PATH.name} in the package.')
    if not path.is_file():
        raise FileNotFoundError(f'no CMU mocap manifest at {path}; pass the '
                                'folder holding manifest.json and SS/SS.asf '
                                'files as --src')
    with open(path) as f:
        return json.load(f)


def sha256_of(path: PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def verify_files(src: PathLike, entries: Iterable[dict]) -> None:
    """Check each manifest entry's file against its ``sha256``.

    Raises:
        FileNotFoundError: a listed file is absent.
        ValueError: a file's hash differs (all mismatches are named).
    """
    bad = []
    for entry in entries:
        path = Path(src) / entry['file']
        if not path.is_file():
            raise FileNotFoundError(f'{path} is listed in the manifest but '
                                    'missing')
        actual = sha256_of(path)
        if actual != entry['sha256']:
            bad.append(f'{path}: sha256 {actual}, manifest says '
                       f'{entry["sha256"]}')
    if bad:
        raise ValueError('CMU mocap files differ from manifest.json (re-copy '
                         'them from the source repository named there):\n' +
                         '\n'.join(bad))


def convert_cmu_mocap(src: PathLike, fps: float = 30.0,
                      subjects: Optional[Sequence[str]] = None,
                      takes: Optional[Sequence[str]] = None,
                      verify: bool = True,
                      progress: Optional[Callable[[str], None]] = None
                      ) -> List[dict]:
    """Convert the ASF/AMC takes listed in ``<src>/manifest.json``.

    Args:
        src: folder with ``manifest.json`` and ``SS/SS.asf``, ``SS/SS_TT.amc``.
        fps: output frame rate (see :func:`resample`).
        subjects: keep only these subjects (e.g. ``['02']``); all if None.
        takes: keep only these takes (e.g. ``['02_01']``); all if None.
        verify: check every file used against the manifest's sha256 first.
        progress: called with a line per subject.

    Returns:
        Takes ordered by subject and take number, each ``dict(subject,
        take, description, fps, source_fps, source_frames, keypoints_3d)``
        with ``(T, 17, 3)`` float64 metres in the Z-up world frame.
    """
    manifest = read_manifest(src)
    amcs = [dict(e, _subject=Path(e['file']).parent.name,
                 _take=Path(e['file']).stem)
            for e in manifest if e['format'] == 'AMC']
    # a stable order: by subject number, then take number
    amcs.sort(key=lambda e: tuple(int(p) for p in e['_take'].split('_')))
    if subjects is not None:
        unknown = set(subjects) - {e['_subject'] for e in amcs}
        if unknown:
            raise KeyError(f'subjects {sorted(unknown)} not in the manifest')
        amcs = [e for e in amcs if e['_subject'] in set(subjects)]
    if takes is not None:
        unknown = set(takes) - {e['_take'] for e in amcs}
        if unknown:
            raise KeyError(f'takes {sorted(unknown)} not in the manifest '
                           '(or not of the subjects asked for)')
        amcs = [e for e in amcs if e['_take'] in set(takes)]
    asf_files = {f'{e["_subject"]}/{e["_subject"]}.asf' for e in amcs}
    asfs = {e['file']: e for e in manifest if e['format'] == 'ASF'}
    missing = sorted(asf_files - set(asfs))
    if missing:
        raise KeyError(f'manifest lists no skeleton {missing}')
    if verify:
        verify_files(src, [asfs[f] for f in sorted(asf_files)] + amcs)
    skeletons, out = {}, []
    for e in amcs:
        subject = e['_subject']
        if subject not in skeletons:
            if progress is not None:
                count = sum(x['_subject'] == subject for x in amcs)
                progress(f'subject {subject}: {count} takes')
            skeletons[subject] = parse_asf(
                Path(src) / subject / f'{subject}.asf')
        skeleton = skeletons[subject]
        motion = parse_amc(Path(src) / e['file'], skeleton)
        if motion.num_frames != e['frames']:
            raise ValueError(f'{Path(src) / e["file"]}: {motion.num_frames} '
                             f'frames, manifest says {e["frames"]}')
        joints = asf_amc_to_h36m17(skeleton, motion)
        out.append(dict(subject=subject, take=e['_take'],
                        description=e['description'], fps=float(fps),
                        source_fps=float(e['fps']),
                        source_frames=motion.num_frames,
                        keypoints_3d=resample(joints, e['fps'], fps)))
    return out


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array, order='C'),
                              allow_pickle=False)
    return buffer.getvalue()


def save_cmu_mocap(takes: Sequence[dict], path: PathLike) -> None:
    """Write takes (as from :func:`convert_cmu_mocap`) in the format above.

    The bytes depend only on the takes: entries carry a fixed timestamp and
    order, so converting twice gives the same file.
    """
    for t in takes:
        shape = np.shape(t['keypoints_3d'])
        if len(shape) != 3 or shape[1:] != (H36M.num_joints, 3):
            raise ValueError(f'take {t["take"]}: keypoints_3d of shape '
                             f'{shape}, expected (T, 17, 3)')
    positions = (np.concatenate([t['keypoints_3d'] for t in takes]) if takes
                 else np.zeros((0, H36M.num_joints, 3)))
    millimetres = np.round(positions * 1000.0)
    limit = np.iinfo(np.int16).max
    if np.abs(millimetres).max(initial=0) > limit:
        raise ValueError(f'positions beyond +-{limit} mm do not fit int16')
    lengths = [len(t['keypoints_3d']) for t in takes]
    arrays = dict(
        format_version=np.array(FORMAT_VERSION, dtype=np.int64),
        joint_names=np.array(H36M.joint_names),
        subject=np.array([t['subject'] for t in takes], dtype=str),
        take=np.array([t['take'] for t in takes], dtype=str),
        description=np.array([t['description'] for t in takes], dtype=str),
        fps=np.array([t['fps'] for t in takes], dtype=np.float64),
        source_fps=np.array([t['source_fps'] for t in takes],
                            dtype=np.float64),
        source_frames=np.array([t['source_frames'] for t in takes],
                               dtype=np.int64),
        frame_offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(
            np.int64),
        keypoints_3d_mm=millimetres.astype(np.int16),
        acknowledgement=np.array(CMU_MOCAP_ACKNOWLEDGEMENT))
    assert tuple(arrays) == _KEYS
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + '.partial')
    with zipfile.ZipFile(partial, 'w') as archive:
        for key, array in arrays.items():
            info = zipfile.ZipInfo(f'{key}.npy', date_time=(1980, 1, 1, 0, 0,
                                                            0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, _npy_bytes(array), compresslevel=9)
    os.replace(partial, path)


def cmu_mocap_ids(path: Optional[PathLike] = None) -> Dict[str, List[str]]:
    """``dict(subject=[...], take=[...])``: the ids of the takes in the file
    (read without the positions), one entry per take."""
    path = Path(DEFAULT_CMU_MOCAP_PATH if path is None else path)
    _check_exists(path)
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k].tolist() for k in ('subject', 'take')}


def _check_exists(path: Path) -> None:
    if not path.is_file():
        raise FileNotFoundError(
            f'CMU mocap file not found: {path}. Create it from the '
            f'repository root with: {CONVERTER_COMMAND} --out {path} '
            '(needs the ASF/AMC files in ../shared/data/cmu_mocap).')


def load_cmu_mocap(path: Optional[PathLike] = None,
                   subjects: Optional[Sequence[str]] = None) -> List[dict]:
    """Load the converted CMU takes.

    Args:
        path: the ``.npz`` file; default :data:`DEFAULT_CMU_MOCAP_PATH`, the
            file shipped inside the package.
        subjects: keep only these subjects, e.g. :data:`CMU_TEST_SUBJECTS`.

    Returns:
        One dict per take: ``dict(subject=str, take=str, description=str,
        fps=float, keypoints_3d=(T, 17, 3) float32)``, positions in metres
        in the Z-up world frame, joints in :data:`H36M` order.

    Raises:
        FileNotFoundError: no file at ``path`` (the message gives the
            converter command that makes it).
    """
    path = Path(DEFAULT_CMU_MOCAP_PATH if path is None else path)
    _check_exists(path)
    with np.load(path, allow_pickle=False) as data:
        missing = [k for k in _KEYS if k not in data.files]
        if missing:
            raise ValueError(f'{path} lacks {missing}; not a CMU mocap file '
                             f'of this toolbox (re-create it with '
                             f'{CONVERTER_COMMAND})')
        version = int(data['format_version'])
        if version != FORMAT_VERSION:
            raise ValueError(f'{path} has format_version {version}, this '
                             f'code reads {FORMAT_VERSION}; re-create it '
                             f'with {CONVERTER_COMMAND}')
        if tuple(data['joint_names']) != H36M.joint_names:
            raise ValueError(f'{path}: joint_names {data["joint_names"]} are '
                             f'not the H36M order {H36M.joint_names}')
        fields = {k: data[k] for k in _KEYS}
    if subjects is not None:
        unknown = set(subjects) - set(fields['subject'].tolist())
        if unknown:
            raise KeyError(f'subjects {sorted(unknown)} not in {path}; it '
                           f'holds {sorted(set(fields["subject"].tolist()))}')
    offsets = fields['frame_offsets']
    takes = []
    for i, subject in enumerate(fields['subject'].tolist()):
        if subjects is not None and subject not in subjects:
            continue
        mm = fields['keypoints_3d_mm'][offsets[i]:offsets[i + 1]]
        takes.append(dict(
            subject=subject, take=str(fields['take'][i]),
            description=str(fields['description'][i]),
            fps=float(fields['fps'][i]),
            keypoints_3d=(mm.astype(np.float32) / np.float32(1000.0))))
    return takes
