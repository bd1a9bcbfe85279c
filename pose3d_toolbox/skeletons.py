"""Skeleton definitions: the one place that knows joints, parents and bones.

Every codec, transform, metric and visualizer reads joint facts from here.
Joint order follows ``../shared/docs/methods.md`` (VideoPose3D / MMPose
Human3.6M order). Per-method data (HEMlets parts, ElePose bone priors, ...)
lives in :attr:`Skeleton.extras` so a method adds facts without new classes.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import numpy as np


@dataclass(frozen=True)
class Skeleton:
    """A kinematic tree of ``J`` joints.

    Args:
        name: key under which :func:`get_skeleton` finds it.
        joint_names: ``J`` names; ``left_*``/``right_*`` (or ``l_``/``r_``)
            prefixes define the left/right swap pairs.
        parents: ``J`` parent indices, ``-1`` for the root.
        extras: per-method facts (e.g. ``hemlets_parts``).
    """
    name: str
    joint_names: Tuple[str, ...]
    parents: Tuple[int, ...]
    extras: Dict[str, object] = field(default_factory=dict)

    def __post_init__(self):
        if len(self.joint_names) != len(self.parents):
            raise ValueError(
                f'skeleton {self.name!r}: {len(self.joint_names)} joint names '
                f'but {len(self.parents)} parents')
        roots = [i for i, p in enumerate(self.parents) if p < 0]
        if len(roots) != 1:
            raise ValueError(f'skeleton {self.name!r} needs exactly one root '
                             f'(parent -1), found {roots}')
        _ = self.kinematic_order  # raises on a cycle

    @property
    def kinematic_order(self) -> List[int]:
        """Joint indices ordered so every parent precedes its children."""
        order, done = [], set()
        while len(order) < self.num_joints:
            ready = [j for j, p in enumerate(self.parents)
                     if j not in done and (p < 0 or p in done)]
            if not ready:
                raise ValueError(f'skeleton {self.name!r}: parents '
                                 f'{self.parents} contain a cycle')
            order += ready
            done.update(ready)
        return order

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    @property
    def root_index(self) -> int:
        return self.parents.index(-1)

    @property
    def head_index(self) -> int:
        """The ``'head'`` joint (ElePose's root-to-head scale)."""
        return self.index('head')

    @property
    def parts(self) -> Tuple[Tuple[int, int], ...]:
        """HEMlets' body parts, ``(parent, child)`` joint pairs
        (``extras['hemlets_parts']``, e.g. of ``'hemlets'``)."""
        if 'hemlets_parts' not in self.extras:
            raise KeyError(f'skeleton {self.name!r} defines no body parts '
                           "(extras['hemlets_parts']); use 'hemlets'")
        return tuple(self.extras['hemlets_parts'])

    @property
    def evaluated_joints(self) -> Tuple[int, ...]:
        """Joints that metrics score (``extras['evaluated_joints']``; all
        by default): ``'hemlets'`` scores the 17 Human3.6M joints."""
        return tuple(self.extras.get('evaluated_joints',
                                     range(self.num_joints)))

    @property
    def bones(self) -> List[Tuple[int, int]]:
        """``J - 1`` (child, parent) pairs in joint order."""
        return [(c, p) for c, p in enumerate(self.parents) if p >= 0]

    @property
    def flip_pairs(self) -> List[Tuple[int, int]]:
        """(left, right) index pairs swapped by a horizontal flip."""
        index = {n: i for i, n in enumerate(self.joint_names)}
        pairs = []
        for i, n in enumerate(self.joint_names):
            for left, right in (('left_', 'right_'), ('l_', 'r_')):
                if n.startswith(left) and right + n[len(left):] in index:
                    pairs.append((i, index[right + n[len(left):]]))
        return pairs

    @property
    def flip_indices(self) -> np.ndarray:
        """Permutation ``perm`` such that ``flipped = joints[perm]``."""
        perm = np.arange(self.num_joints)
        for a, b in self.flip_pairs:
            perm[a], perm[b] = b, a
        return perm

    def mean_bone_lengths(self, name: str) -> np.ndarray:
        """``(J - 1,)`` mean bone lengths in metres, :attr:`bones` order,
        of the population ``name`` (``extras['mean_bone_lengths']``)."""
        table = self.extras.get('mean_bone_lengths', {})
        if name not in table:
            raise KeyError(f'skeleton {self.name!r} has no mean bone lengths '
                           f'{name!r}; known: {sorted(table)} (or give the '
                           'lengths in metres, one per bone)')
        return np.asarray(table[name], np.float64)

    def index(self, joint_name: str) -> int:
        try:
            return self.joint_names.index(joint_name)
        except ValueError:
            raise KeyError(
                f'skeleton {self.name!r} has no joint {joint_name!r}; '
                f'joints: {self.joint_names}') from None


H36M_JOINTS = ('pelvis', 'right_hip', 'right_knee', 'right_ankle', 'left_hip',
               'left_knee', 'left_ankle', 'spine', 'thorax', 'neck_nose',
               'head', 'left_shoulder', 'left_elbow', 'left_wrist',
               'right_shoulder', 'right_elbow', 'right_wrist')
H36M_PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)

# ElePose's bone-length prior (Wandt et al. 2022, Eq. 8): each bone's length
# over the pose's mean bone length, one value per bone of ``Skeleton.bones``
# (child order: r_hip, r_knee, r_ankle, l_hip, l_knee, l_ankle, spine,
# thorax, neck_nose, head, l_shoulder, l_elbow, l_wrist, r_shoulder, r_elbow,
# r_wrist).
# - 'h36m': the authors' Human3.6M values (methods.md). Their list is by bone
#   type, [hip, thigh, shin] x 2, spine, thorax, neck, head, [shoulder, upper
#   arm, forearm] x 2, with equal left and right values, so it maps onto our
#   order bone by bone whichever side they list first.
# - 'cmu': the embedded CMU data's 17-joint skeleton differs (its neck_nose
#   and shoulder joints sit elsewhere: neck 0.77 vs 0.45), so its prior comes
#   from the anthropometry of the *training* subjects only (05, 06, 09, 10,
#   16, 105): each subject's mean bone lengths, averaged over subjects, left
#   and right averaged, divided by their mean. tests/test_models/
#   test_elepose.py recomputes it from the data.
ELEPOSE_BONE_PRIORS = dict(
    h36m=(0.5181, 1.7371, 1.7229, 0.5181, 1.7371, 1.7229, 0.9209, 0.9879,
          0.4481, 0.4450, 0.5746, 1.0812, 0.9652, 0.5746, 1.0812, 0.9652),
    cmu=(0.3632, 1.6301, 1.7799, 0.3632, 1.6301, 1.7799, 0.8827, 0.9390,
         0.7724, 0.3958, 0.7642, 1.2156, 0.7520, 0.7642, 1.2156, 0.7520))

# Mean bone lengths in metres, one value per bone of ``Skeleton.bones``
# (the root-depth estimate of image models fits them,
# ``utils.camera.bone_length_root_depth``). 'cmu': the embedded data's
# *training* subjects (05, 06, 09, 10, 16, 105), each subject's mean over
# its frames, averaged over subjects, left and right averaged (the 'cmu'
# ElePose prior is these over their mean). tests/test_utils/
# test_root_depth.py recomputes them from the data.
H36M_MEAN_BONE_LENGTHS = dict(
    cmu=(0.0885, 0.3972, 0.4337, 0.0885, 0.3972, 0.4337, 0.2151, 0.2288,
         0.1882, 0.0964, 0.1862, 0.2962, 0.1832, 0.1862, 0.2962, 0.1832))

H36M = Skeleton('h36m', H36M_JOINTS, H36M_PARENTS,
                extras=dict(elepose_bone_priors=ELEPOSE_BONE_PRIORS,
                            mean_bone_lengths=H36M_MEAN_BONE_LENGTHS))

# HEMlets: the 17 Human3.6M joints plus joint 17, the shoulder midpoint. Its
# 14 parts follow the decision in methods.md (no public code lists them):
# 8 limb bones, pelvis->hips, pelvis->spine, spine->thorax and the midpoint
# to both shoulders. Each part is (parent, child). ``midpoint_joints``: the
# joints a dataset does not have, each the midpoint of two it has (the
# ExtendSkeleton transform adds them to Human3.6M-17 samples).
HEMLETS = Skeleton(
    'hemlets', H36M_JOINTS + ('shoulder_mid', ), H36M_PARENTS + (8, ),
    extras=dict(hemlets_parts=(
        (1, 2), (2, 3), (4, 5), (5, 6),          # legs
        (11, 12), (12, 13), (14, 15), (15, 16),  # arms
        (0, 1), (0, 4), (0, 7), (7, 8),          # torso
        (17, 11), (17, 14)),                     # shoulders
        midpoint_joints=((17, (11, 14)), ),
        evaluated_joints=tuple(range(17)),
        # Human3.6M's bones plus thorax -> shoulder midpoint (as above)
        mean_bone_lengths=dict(
            cmu=H36M_MEAN_BONE_LENGTHS['cmu'] + (0.0658, ))))

# MPI-INF-3DHP in MMPose's 17-joint order; the root (pelvis) is joint 14.
MPI_INF_3DHP = Skeleton(
    'mpi_inf_3dhp',
    ('head_top', 'neck', 'right_shoulder', 'right_elbow', 'right_wrist',
     'left_shoulder', 'left_elbow', 'left_wrist', 'right_hip', 'right_knee',
     'right_ankle', 'left_hip', 'left_knee', 'left_ankle', 'pelvis', 'spine',
     'head'),
    (16, 15, 1, 2, 3, 1, 5, 6, 14, 8, 9, 14, 11, 12, -1, 14, 1))

# 2D datasets for mixed training. ``extras['to_h36m']`` lists, per
# Human3.6M joint, the source joints whose mean stands in for it (empty: no
# counterpart, the joint is unlabelled). MPII's upper neck stands in for
# neck_nose and its head top for head; COCO has no spine or head top, its
# pelvis and thorax are the hip and shoulder midpoints.
COCO = Skeleton(
    'coco',
    ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
     'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
     'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
     'right_knee', 'left_ankle', 'right_ankle'),
    (-1, 0, 0, 1, 2, 0, 0, 5, 6, 7, 8, 5, 6, 11, 12, 13, 14),
    extras=dict(to_h36m=((11, 12), (12, ), (14, ), (16, ), (11, ), (13, ),
                         (15, ), (), (5, 6), (0, ), (), (5, ), (7, ), (9, ),
                         (6, ), (8, ), (10, ))))

MPII = Skeleton(
    'mpii',
    ('right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee',
     'left_ankle', 'pelvis', 'thorax', 'upper_neck', 'head_top',
     'right_wrist', 'right_elbow', 'right_shoulder', 'left_shoulder',
     'left_elbow', 'left_wrist'),
    (1, 2, 6, 6, 3, 4, -1, 6, 7, 8, 11, 12, 7, 7, 13, 14),
    extras=dict(to_h36m=((6, ), (2, ), (1, ), (0, ), (3, ), (4, ), (5, ), (),
                         (7, ), (8, ), (9, ), (13, ), (14, ), (15, ), (12, ),
                         (11, ), (10, ))))

SKELETONS = {s.name: s for s in (H36M, HEMLETS, MPI_INF_3DHP, COCO, MPII)}


def get_skeleton(skeleton) -> Skeleton:
    """Return a :class:`Skeleton` given itself or its name."""
    if isinstance(skeleton, Skeleton):
        return skeleton
    if skeleton not in SKELETONS:
        raise KeyError(f'unknown skeleton {skeleton!r}; known: '
                       f'{sorted(SKELETONS)}')
    return SKELETONS[skeleton]
