"""Human3.6M in MMPose's preprocessed layout.

Files (as written by MMPose's
``tools/dataset_converters/preprocess_h36m.py``)::

    <data_root>/annotation_body3d/cameras.pkl
    <data_root>/annotation_body3d/fps50/h36m_train.npz   (S1 S5 S6 S7 S8)
    <data_root>/annotation_body3d/fps50/h36m_test.npz    (S9 S11)
    <data_root>/annotation_body3d/fps10/...              (every 5th frame)
    <data_root>/images/S1/S1_Directions_1.54138969/
        S1_Directions_1.54138969_000001.jpg

The npz holds one row per frame and camera: ``imgname (N,)``, ``center
(N, 2)``, ``scale (N,)``, ``part (N, 17, 3)`` (2D pixels + visibility) and
``S (N, 17, 4)`` (3D camera coordinates in metres + visibility), joints in
the toolbox's Human3.6M order. ``cameras.pkl`` maps ``(subject, camera_id)``,
e.g. ``('S1', '54138969')``, to a dict with ``R, T, c, f, k, p, w, h`` (T in
metres; see :mod:`pose3d_toolbox.utils.camera`).

Image names: ``<subject>/<subject>_<sequence>.<camera>/<subject>_<sequence>.
<camera>_<frame:06d>.jpg`` where ``<sequence>`` is the Human3.6M sequence name
with spaces replaced by ``_`` (``Directions_1``, ``Directions``,
``TakingPhoto_1``, ...) and ``<frame>`` the 1-based frame number of the 50 fps
video (so fps10 files count 1, 6, 11, ...).
"""
import os.path as osp
import re
from typing import Dict, Optional, Sequence, Tuple

from ..registry import DATASETS
from .npz_lifting import NpzLiftingDataset

#: The 15 Human3.6M actions, in their canonical (VideoPose3D) names.
H36M_ACTIONS = ('Directions', 'Discussion', 'Eating', 'Greeting', 'Phoning',
                'Photo', 'Posing', 'Purchases', 'Sitting', 'SittingDown',
                'Smoking', 'Waiting', 'WalkDog', 'Walking', 'WalkTogether')
# Names the raw data uses for the same actions (S1 says TakingPhoto and
# WalkingDog where the other subjects say Photo and WalkDog).
_ACTION_ALIASES = {'TakingPhoto': 'Photo', 'WalkingDog': 'WalkDog'}

_SUBACTION = re.compile(r'^(.*?)[ _]?(\d+)$')


def normalize_h36m_action(name: str) -> str:
    """Map a raw sequence name to one of :data:`H36M_ACTIONS`.

    ``'Directions_1'`` / ``'Directions 1'`` / ``'Directions'`` ->
    ``'Directions'``; ``'TakingPhoto_1'`` -> ``'Photo'``; ``'WalkingDog'`` ->
    ``'WalkDog'``. Raises ``ValueError`` for anything else.
    """
    base = name
    m = _SUBACTION.match(name)
    if m and m.group(1):
        base = m.group(1)
    base = _ACTION_ALIASES.get(base, base)
    if base not in H36M_ACTIONS:
        raise ValueError(f'unknown Human3.6M action {name!r}; expected one of '
                         f'{H36M_ACTIONS} (or TakingPhoto / WalkingDog), '
                         'optionally followed by _<subaction>')
    return base


def parse_h36m_imgname(imgname: str) -> dict:
    """Split an image name into its parts.

    ``'S1/S1_Directions_1.54138969/S1_Directions_1.54138969_000001.jpg'`` ->
    ``dict(subject='S1', sequence='Directions_1', action='Directions',
    camera_id='54138969', frame_number=1)``.
    """
    base = osp.basename(str(imgname))
    try:
        subject, rest = base.split('_', 1)
        sequence, rest = rest.rsplit('.', 1)[0].split('.', 1)
        camera_id, frame = rest.rsplit('_', 1)
        frame_number = int(frame)
    except ValueError:
        raise ValueError(
            f'image name {imgname!r} does not match <subject>_<action>.'
            '<camera>_<frame>.jpg') from None
    return dict(subject=subject, sequence=sequence,
                action=normalize_h36m_action(sequence), camera_id=camera_id,
                frame_number=frame_number)


@DATASETS.register_module()
class Human3p6mDataset(NpzLiftingDataset):
    """Human3.6M for 2D -> 3D lifting (MMPose's preprocessed files).

    Args:
        ann_file: annotation npz, relative to ``data_root``
            (``annotation_body3d/fps50/h36m_test.npz`` for testing).
        camera_param_file: ``cameras.pkl``, relative to ``data_root``.
        actions: keep only these actions (names of :data:`H36M_ACTIONS`);
            a list that matches no video of the file is an error naming the
            actions present.
        skeleton: the joints of the files (a name or a ``Skeleton``).
        **kwargs: :class:`~.npz_lifting.NpzLiftingDataset` options
            (``keypoint_2d_src``, ``keypoint_2d_det_file``, ``subjects``
            such as ``['S1', 'S5']``, ``data_root``, ``data_prefix``) and
            :class:`BaseLiftingDataset` options (``seq_len``, ``causal``,
            ``step``, ``subset_frac``, ``pipeline``, ...).

    Samples' ``action`` is the normalised action name, ``camera_id`` the
    camera's serial (``'54138969'``) and ``frame`` the row of the target in
    its video (frame number in the image name = ``frame * sample_rate + 1``
    for complete files).
    """

    METAINFO: dict = dict(dataset_name='h36m')

    def __init__(self,
                 ann_file: str = 'annotation_body3d/fps50/h36m_train.npz',
                 camera_param_file: str = 'annotation_body3d/cameras.pkl',
                 actions: Optional[Sequence[str]] = None,
                 skeleton='h36m',
                 **kwargs):
        self.actions = None
        if actions is not None:
            self.actions = tuple(normalize_h36m_action(a) for a in actions)
        super().__init__(ann_file=ann_file,
                         camera_param_file=camera_param_file,
                         skeleton=skeleton, **kwargs)

    def parse_row(self, imgname: str) -> Tuple[str, int]:
        """A video is everything before the frame number of the name."""
        stem, _, frame = osp.splitext(imgname)[0].rpartition('_')
        try:
            return stem, int(frame)
        except ValueError:
            raise ValueError(f'image name {imgname!r} does not end in '
                             '_<frame number>.jpg') from None

    def video_info(self, key: str, imgname: str) -> Dict:
        info = parse_h36m_imgname(imgname)
        return dict(subject=info['subject'], action=info['action'],
                    camera_id=info['camera_id'], sequence=info['sequence'],
                    camera_key=(info['subject'], info['camera_id']))

    def filters(self) -> Dict:
        return dict(super().filters(), action=('actions', self.actions))
