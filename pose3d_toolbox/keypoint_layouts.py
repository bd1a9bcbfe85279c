"""2D keypoint layouts the inferencer reads, and their conversion to the
lifters' Human3.6M-17 joints (defined here once, beside the skeletons).

A *layout* names the joint order of a user's 2D keypoints: ``'h36m'``
(:data:`pose3d_toolbox.skeletons.H36M`, the lifters' own order) or
``'coco'`` (:data:`pose3d_toolbox.skeletons.COCO`, what MMPose's 2D body
models predict). :func:`to_h36m` converts either to Human3.6M-17.

COCO -> Human3.6M, joint by joint (``h36m[j] = sum_i W[j, i] coco[i]``,
:data:`COCO_TO_H36M`), as MMPose's ``convert_keypoint_definition`` of
``demo/body3d_pose_lifter_demo.py`` does it:

====  ===============  =====================================================
 j    Human3.6M joint  from COCO
====  ===============  =====================================================
 0    pelvis           midpoint of left_hip (11) and right_hip (12)
 1    right_hip        right_hip (12)
 2    right_knee       right_knee (14)
 3    right_ankle      right_ankle (16)
 4    left_hip         left_hip (11)
 5    left_knee        left_knee (13)
 6    left_ankle       left_ankle (15)
 7    spine            midpoint of pelvis and thorax: the mean of the two
                       hips and two shoulders (5, 6, 11, 12)
 8    thorax           midpoint of left_shoulder (5) and right_shoulder (6)
 9    neck_nose        nose (0)
 10   head             midpoint of left_eye (1) and right_eye (2) (COCO has
                       no head top; the ears are left out because one is
                       often unseen)
 11   left_shoulder    left_shoulder (5)
 12   left_elbow       left_elbow (7)
 13   left_wrist       left_wrist (9)
 14   right_shoulder   right_shoulder (6)
 15   right_elbow      right_elbow (8)
 16   right_wrist      right_wrist (10)
====  ===============  =====================================================

A converted joint's score is the *smallest* score of the COCO joints it is
made from (a midpoint is no surer than its least sure end).

The mixed-training table ``COCO.extras['to_h36m']`` differs on purpose:
training leaves spine and head unlabelled (weight 0) rather than invent
them, while a lifter at inference needs every joint.
"""
from typing import Optional, Tuple

import numpy as np

from .skeletons import COCO, H36M

#: the layouts :func:`to_h36m` reads.
LAYOUTS = ('h36m', 'coco')


def _coco_to_h36m_matrix() -> np.ndarray:
    c = {n: i for i, n in enumerate(COCO.joint_names)}
    rows = {
        'pelvis': ('left_hip', 'right_hip'),
        'right_hip': ('right_hip', ), 'right_knee': ('right_knee', ),
        'right_ankle': ('right_ankle', ), 'left_hip': ('left_hip', ),
        'left_knee': ('left_knee', ), 'left_ankle': ('left_ankle', ),
        'spine': ('left_hip', 'right_hip', 'left_shoulder',
                  'right_shoulder'),
        'thorax': ('left_shoulder', 'right_shoulder'),
        'neck_nose': ('nose', ), 'head': ('left_eye', 'right_eye'),
        'left_shoulder': ('left_shoulder', ), 'left_elbow': ('left_elbow', ),
        'left_wrist': ('left_wrist', ),
        'right_shoulder': ('right_shoulder', ),
        'right_elbow': ('right_elbow', ), 'right_wrist': ('right_wrist', )}
    W = np.zeros((H36M.num_joints, COCO.num_joints))
    for j, name in enumerate(H36M.joint_names):
        for src in rows[name]:
            W[j, c[src]] = 1.0 / len(rows[name])
    return W


#: ``(17, 17)`` weights: Human3.6M joints (rows) from COCO joints (columns).
COCO_TO_H36M = _coco_to_h36m_matrix()
COCO_TO_H36M.setflags(write=False)


def check_layout(layout: Optional[str], source: str, num_joints: int) -> str:
    """``layout`` checked against :data:`LAYOUTS` and the joint count of
    ``source`` (a file or array name); raises naming both and the fix."""
    if layout is None:
        raise ValueError(
            f'{source}: the keypoint layout is unknown ({num_joints} joints; '
            f'COCO-17 and Human3.6M-17 both have 17); pass layout=\'coco\' '
            'or layout=\'h36m\' (CLI: --layout coco|h36m)')
    if layout not in LAYOUTS:
        raise ValueError(f'{source}: unknown keypoint layout {layout!r}; '
                         f'supported: {", ".join(LAYOUTS)} (convert other '
                         'layouts to one of them first)')
    want = (H36M if layout == 'h36m' else COCO).num_joints
    if num_joints != want:
        raise ValueError(
            f'{source}: {num_joints} joints per person, but layout '
            f'{layout!r} has {want}; give the {want} joints in that order '
            f'(supported layouts: {", ".join(LAYOUTS)})')
    return layout


def to_h36m(keypoints: np.ndarray, scores: Optional[np.ndarray],
            layout: str) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """``(..., J, 2)`` keypoints (and ``(..., J)`` scores) in ``layout``
    -> Human3.6M-17 order (see the module docstring)."""
    kp = np.asarray(keypoints, np.float64)
    if layout == 'h36m':
        return kp, None if scores is None else np.asarray(scores, np.float64)
    if layout != 'coco':
        raise ValueError(f'to_h36m: unknown layout {layout!r}; supported: '
                         f'{", ".join(LAYOUTS)}')
    out = np.einsum('ji,...ic->...jc', COCO_TO_H36M, kp)
    if scores is None:
        return out, None
    s = np.asarray(scores, np.float64)
    used = COCO_TO_H36M > 0  # (17, 17)
    conv = np.where(used, s[..., None, :], np.inf).min(-1)
    return out, conv
