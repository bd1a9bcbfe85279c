"""2D-only image datasets for mixed 2D/3D training: COCO keypoints and MPII.

Both yield top-down samples (one person per sample) with the keys the
top-down pipeline (:mod:`.transforms.topdown`) reads:

- ``img_path``; ``image_width``, ``image_height`` (when known);
- ``bbox_center`` ``(2,)``, ``bbox_scale`` ``(2,)`` (w, h) image pixels;
- ``keypoints_2d`` ``(1, J, 2)`` image pixels, ``visibility`` ``(1, J)``
  and ``keypoints_valid`` ``(J,)`` (1 for labelled joints);
- ``has_3d = False`` (3D losses skip the sample), ``target_index = 0``,
  ``skeleton``, ``root_index``, ``subject``, ``action``, ``camera_id``,
  ``frame``.

With ``target_skeleton='h36m'`` (default) the joints are mapped to the
Human3.6M-17 order through the source skeleton's ``extras['to_h36m']``
(:mod:`pose3d_toolbox.skeletons`): a joint is the mean of its source joints
and labelled only when all of them are; joints without a counterpart are
unlabelled. ``target_skeleton=None`` keeps the dataset's own joints.
"""
import json
import os.path as osp
from typing import List, Optional, Union

import numpy as np
from mmengine.dataset import BaseDataset

from pose3d_toolbox.registry import DATASETS
from pose3d_toolbox.skeletons import Skeleton, get_skeleton
from .base_lifting import add_skeleton_metainfo
from .file_readers import check_file


def map_joints(keypoints: np.ndarray, valid: np.ndarray, source: str,
               target: Optional[str]):
    """``(J_src, 2)`` keypoints and ``(J_src,)`` labels -> the target
    skeleton's joints (see the module docstring)."""
    if target is None or target == source:
        return keypoints, valid
    table = get_skeleton(source).extras.get(f'to_{target}')
    if table is None:
        raise KeyError(f'skeleton {source!r} has no extras["to_{target}"]; '
                       f'add the joint correspondence in skeletons.py')
    out = np.zeros((len(table), 2), np.float32)
    ok = np.zeros(len(table), np.float32)
    for j, src in enumerate(table):
        if src and all(valid[s] > 0 for s in src):
            out[j] = keypoints[list(src)].mean(0)
            ok[j] = 1
    return out, ok


class _Image2DDataset(BaseDataset):
    """Shared shell: a list of per-person dicts -> top-down samples."""

    source_skeleton = ''

    def __init__(self, ann_file: str = '', data_root: str = '',
                 data_prefix: dict = dict(img=''),
                 target_skeleton: Union[None, str, Skeleton] = 'h36m',
                 bbox_padding: float = 1.25, **kwargs):
        self.target_skeleton = (None if target_skeleton is None else
                                get_skeleton(target_skeleton).name)
        self.bbox_padding = float(bbox_padding)
        skeleton = get_skeleton(target_skeleton or self.source_skeleton)
        self.skeleton = skeleton
        super().__init__(ann_file=ann_file, data_root=data_root,
                         data_prefix=data_prefix, **kwargs)
        add_skeleton_metainfo(self._metainfo, skeleton)

    def _checked(self, data: List[dict]) -> List[dict]:
        """``data``, unless it holds nobody (an error naming the file)."""
        if not data:
            raise ValueError(
                f'{type(self).__name__}: {self.ann_file} holds no usable '
                'person (an empty annotation file, or every person skipped); '
                "see 'Preparing datasets' in README.md")
        return data

    def _sample(self, img_path, center, scale, keypoints, valid, **extra):
        for key, value in (('keypoints', keypoints), ('center', center),
                           ('scale', scale)):
            bad = np.flatnonzero(~np.isfinite(np.asarray(value, np.float64)))
            if len(bad):
                joint = ''
                if key == 'keypoints':
                    j = int(bad[0]) // 2
                    name = get_skeleton(self.source_skeleton).joint_names[j]
                    joint = f', joint {j} ({name})'
                raise ValueError(
                    f'{type(self).__name__}: {self.ann_file} (key {key!r}): '
                    f'NaN or inf for the person in {img_path!r}{joint}; '
                    'drop or repair that annotation')
        kp, ok = map_joints(np.asarray(keypoints, np.float32),
                            np.asarray(valid, np.float32),
                            self.source_skeleton, self.target_skeleton)
        prefix = self.data_prefix.get('img', '')
        return dict(
            img_path=osp.join(prefix, img_path) if prefix else img_path,
            bbox_center=np.asarray(center, np.float32),
            bbox_scale=np.asarray(scale, np.float32),
            keypoints_2d=kp[None], visibility=ok[None], keypoints_valid=ok,
            has_3d=False, target_index=0, skeleton=self.skeleton.name,
            root_index=self.skeleton.root_index, subject='', action='',
            camera_id='', **extra)


@DATASETS.register_module()
class CocoKeypoint2DDataset(_Image2DDataset):
    """COCO-format person keypoints (read with ``xtcocotools``).

    Args:
        ann_file: ``person_keypoints_*.json`` (relative to ``data_root``).
        data_prefix: ``dict(img='train2017/')``.
        target_skeleton: ``'h36m'`` or ``None`` (COCO's 17 joints).
        bbox_padding: the annotated box ``[x, y, w, h]`` is enlarged by this.
        min_keypoints: skip people with fewer labelled keypoints.

    People marked ``iscrowd`` or with an empty box are skipped; keypoints
    with ``v > 0`` are labelled.
    """

    METAINFO: dict = dict(dataset_name='coco')
    source_skeleton = 'coco'

    def __init__(self, *args, min_keypoints: int = 1, **kwargs):
        self.min_keypoints = int(min_keypoints)
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        from xtcocotools.coco import COCO
        check_file(self.ann_file, 'COCO keypoint annotation file')
        coco = COCO(self.ann_file)
        J = get_skeleton('coco').num_joints
        data = []
        for img_id in sorted(coco.getImgIds()):
            img = coco.loadImgs(img_id)[0]
            for ann in coco.loadAnns(coco.getAnnIds(imgIds=img_id,
                                                    iscrowd=False)):
                x, y, w, h = ann['bbox']
                kp = np.asarray(ann.get('keypoints', []),
                                np.float32).reshape(-1, 3)
                if (ann.get('iscrowd', 0) or w <= 0 or h <= 0
                        or len(kp) != J
                        or (kp[:, 2] > 0).sum() < self.min_keypoints):
                    continue
                data.append(self._sample(
                    img['file_name'], (x + w / 2, y + h / 2),
                    (w * self.bbox_padding, h * self.bbox_padding),
                    kp[:, :2], kp[:, 2] > 0, frame=int(img_id),
                    image_width=img.get('width'),
                    image_height=img.get('height'), ann_id=int(ann['id'])))
        return self._checked(data)


@DATASETS.register_module()
class MpiiDataset(_Image2DDataset):
    """MPII Human Pose in MMPose's JSON layout (``mpii_train.json``,
    ``mpii_val.json``): a list of people, each with ``image``, ``center``
    ``[x, y]``, ``scale`` (box side / 200 px), ``joints`` ``(16, 2)``
    (MATLAB 1-based pixels) and ``joints_vis`` ``(16,)``.

    As in MMPose's reader, joints move by -1 pixel to 0-based pixels, and
    the box centre moves down by ``15 * scale`` pixels and the box grows by
    1.25 to keep the limbs in (``bbox_padding`` multiplies that box).
    """

    METAINFO: dict = dict(dataset_name='mpii')
    source_skeleton = 'mpii'

    def __init__(self, *args, bbox_padding: float = 1.0, **kwargs):
        super().__init__(*args, bbox_padding=bbox_padding, **kwargs)

    def load_data_list(self) -> List[dict]:
        check_file(self.ann_file, 'MPII annotation file (MMPose JSON)')
        with open(self.ann_file) as f:
            anns = json.load(f)
        J = get_skeleton('mpii').num_joints
        data = []
        for i, ann in enumerate(anns):
            center = np.asarray(ann['center'], np.float32).copy()
            s = float(ann['scale'])
            if center[0] != -1:
                center[1] += 15 * s
            s *= 1.25
            side = s * 200 * self.bbox_padding
            joints = np.asarray(ann.get('joints', np.zeros((J, 2))),
                                np.float32).reshape(J, 2) - 1
            vis = np.asarray(ann.get('joints_vis', np.zeros(J)),
                             np.float32).reshape(J)
            data.append(self._sample(ann['image'], center, (side, side),
                                     joints, vis > 0, frame=i))
        return self._checked(data)
