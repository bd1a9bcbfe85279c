"""Bone representation of a pose (Anatomy-aware 3D, Chen et al. 2021).

A root-relative pose of ``J`` joints is equivalently ``B = J - 1`` unit bone
directions and bone lengths, one per ``(child, parent)`` pair of the skeleton
(:attr:`pose3d_toolbox.skeletons.Skeleton.bones`, in that order). Forward
kinematics (Eq. 1) rebuilds joint ``k`` as the sum of ``D_b * L_b`` over the
bones ``b`` on the path from the root to ``k``; it is written as one product
with the ``(J, B)`` path matrix, so it runs batched and differentiably on
numpy arrays and torch tensors alike.

Functions take ``(..., J, 3)`` joints (numpy or torch) and the skeleton (an
object or its name).
"""
from functools import lru_cache
from typing import Dict, List, Tuple, Union

import numpy as np

from pose3d_toolbox.registry import KEYPOINT_CODECS
from pose3d_toolbox.skeletons import Skeleton, get_skeleton
from .base import LIFTING_TARGET, TARGET_WEIGHT
from .pose_lifting import PoseLiftingCodec, normalize_screen

# Keys the bone codec writes besides lifting_input / target / target_weight.
LIFTING_VISIBILITY = 'lifting_visibility'
BONE_DIRECTIONS = 'bone_directions'
BONE_LENGTHS = 'bone_lengths'
LENGTH_INPUT = 'length_input'
LENGTH_TARGET = 'length_target'
AUG_LENGTH_INPUT = 'aug_length_input'
AUG_BONE_LENGTHS = 'aug_bone_lengths'
AUG_LENGTH_TARGET = 'aug_length_target'
BONE_DATA_KEYS = (LIFTING_TARGET, TARGET_WEIGHT, LIFTING_VISIBILITY,
                  BONE_DIRECTIONS, BONE_LENGTHS, LENGTH_INPUT, LENGTH_TARGET,
                  AUG_LENGTH_INPUT, AUG_BONE_LENGTHS, AUG_LENGTH_TARGET)


def _is_torch(x) -> bool:
    return type(x).__module__.startswith('torch')


def _norm(x):
    """Euclidean norm over the last axis (numpy or torch)."""
    if _is_torch(x):
        return x.norm(dim=-1)
    return np.linalg.norm(x, axis=-1)


def _bone_tables(skeleton) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(children (B,), parents (B,), path matrix (J, B))`` of a skeleton
    (an object or its name), cached by its joints and parents."""
    skel = get_skeleton(skeleton)
    return _cached_bone_tables(skel.name, skel.joint_names, skel.parents)


@lru_cache(maxsize=None)
def _cached_bone_tables(name, joint_names, parents):
    skel = Skeleton(name, joint_names, parents)
    children = np.array([c for c, _ in skel.bones], dtype=np.int64)
    parents = np.array([p for _, p in skel.bones], dtype=np.int64)
    return children, parents, path_matrix(skel)


def path_matrix(skeleton) -> np.ndarray:
    """``(J, B)`` 0/1 matrix: entry ``(k, b)`` is 1 iff bone ``b`` lies on the
    path from the root to joint ``k`` (the set :math:`B^k` of Eq. 1)."""
    skel = get_skeleton(skeleton)
    bone_of_child = {c: b for b, (c, _) in enumerate(skel.bones)}
    out = np.zeros((skel.num_joints, len(skel.bones)), dtype=np.float32)
    for k in range(skel.num_joints):
        j = k
        while skel.parents[j] >= 0:
            out[k, bone_of_child[j]] = 1
            j = skel.parents[j]
    return out


def joint_shift_pairs(skeleton, include_bones: bool = False
                      ) -> List[Tuple[int, int]]:
    """Joint pairs ``(k1, k2)``, ``k1 < k2``, of the joint shift loss (Eq. 2).

    The paper's set :math:`\\mathcal{P}` holds the pairs *not* joined by a
    bone: 120 for the 17 Human3.6M joints (136 pairs minus 16 bones).
    ``include_bones=True`` gives all 136 pairs.
    """
    skel = get_skeleton(skeleton)
    bones = {tuple(sorted(b)) for b in skel.bones}
    J = skel.num_joints
    return [(a, b) for a in range(J) for b in range(a + 1, J)
            if include_bones or (a, b) not in bones]


def bone_vectors(joints, skeleton):
    """``(..., J, 3)`` joints -> ``(..., B, 3)`` child minus parent."""
    children, parents, _ = _bone_tables(skeleton)
    return joints[..., children, :] - joints[..., parents, :]


def joints_to_bones(joints, skeleton, eps: float = 1e-8):
    """Decompose joints into unit bone directions and bone lengths.

    Args:
        joints: ``(..., J, 3)`` (the root's position is irrelevant).
        skeleton: a :class:`Skeleton` or its name.
        eps: a zero-length bone gets direction ``0`` instead of NaN.

    Returns:
        ``(directions (..., B, 3), lengths (..., B))``.
    """
    vec = bone_vectors(joints, skeleton)
    lengths = _norm(vec)
    if _is_torch(vec):
        directions = vec / lengths.clamp(min=eps)[..., None]
    else:
        directions = vec / np.maximum(lengths, eps)[..., None]
    return directions, lengths


def bones_to_joints(directions, lengths, skeleton):
    """Forward kinematics, Eq. 1: ``J_k = sum_{b in B^k} D_b * L_b``.

    Args:
        directions: ``(..., B, 3)`` bone directions (unit for an exact pose).
        lengths: ``(..., B)`` bone lengths.

    Returns:
        ``(..., J, 3)`` root-relative joints (root at the origin).
    """
    _, _, paths = _bone_tables(skeleton)
    vec = directions * lengths[..., None]
    if _is_torch(vec):
        import torch
        paths = torch.as_tensor(paths, dtype=vec.dtype, device=vec.device)
    else:
        paths = paths.astype(vec.dtype)
    return paths @ vec  # (J, B) @ (..., B, 3), broadcast over the batch


def joint_shifts(joints, pairs):
    """``(..., J, 3)`` joints -> ``(..., P, 3)`` shifts ``J_k2 - J_k1``."""
    k1 = [a for a, _ in pairs]
    k2 = [b for _, b in pairs]
    return joints[..., k2, :] - joints[..., k1, :]


@KEYPOINT_CODECS.register_module()
class BoneCodec(PoseLiftingCodec):
    """Codec of Anatomy3D: joints as bone directions and lengths.

    Encode (on top of :class:`PoseLiftingCodec`'s ``lifting_input`` ``(S, J,
    2)``, ``lifting_target`` ``(J, 3)`` and ``target_weight``):

    - ``lifting_visibility``: ``(S, J)`` visibility scores of the window.
    - ``bone_directions`` ``(B, 3)`` unit vectors and ``bone_lengths``
      ``(B,)`` (divided by ``target_scale``) of the target frame.
    - ``length_input``: ``(l, J, 2)`` screen-normalised 2D of the ``l``
      frames sampled at random from the whole video (the dataset's
      ``random_keypoints_2d``; ``l = 0`` when the dataset samples none).
    - ``length_target``: ``(l, J, 3)`` their root-relative 3D, scaled.

    Decode: ``(N, J, 3)`` root-relative joints, as :class:`PoseLiftingCodec`.

    Args:
        skeleton: the joints (a name or a ``Skeleton``): ``J``, the root and
            the bones.
        target_scale: metres per network unit.
    """

    def __init__(self, skeleton: Union[str, Skeleton] = 'h36m',
                 target_scale: float = 1.0):
        super().__init__(skeleton=skeleton, target_scale=target_scale)
        self.num_bones = len(self.skeleton.bones)

    def normalize_input(self, keypoints_2d: np.ndarray, camera: Dict
                        ) -> np.ndarray:
        """Pixels ``(..., J, 2)`` -> network input (as ``lifting_input``)."""
        kp = np.asarray(keypoints_2d, dtype=np.float32)
        self._check(kp, 'keypoints_2d')
        return normalize_screen(kp, float(camera['w']), float(camera['h']))

    def encode(self, sample: Dict) -> Dict[str, np.ndarray]:
        out = super().encode(sample)
        out.update(self._bone_fields(sample, normalize=lambda kp: (
            self.normalize_input(kp, sample['camera']))))
        return out

    def encode_batch(self, batch: Dict) -> Dict[str, np.ndarray]:
        """:meth:`encode` of a whole lifting batch in one pass."""
        out = super().encode_batch(batch)
        out.update(self._bone_fields(batch, normalize=lambda kp: (
            self.normalize_input_batch(kp, batch['camera']))))
        return out

    def _bone_fields(self, sample: Dict, normalize) -> Dict[str, np.ndarray]:
        """The bone codec's own fields of a sample (``(S, J, 3)`` frames)
        or a batch (``(N, S, J, 3)``); ``normalize`` maps the random
        frames' pixels to the network input."""
        J = self.num_keypoints
        t = sample['target_index']
        kp3d = np.asarray(sample['keypoints_3d'], dtype=np.float32)
        directions, lengths = joints_to_bones(kp3d[..., t, :, :],
                                              self.skeleton)
        vis = sample.get('visibility')
        vis = (np.ones(kp3d.shape[:-1], np.float32) if vis is None else
               np.asarray(vis, dtype=np.float32))
        rand2d = sample.get('random_keypoints_2d')
        rand3d = sample.get('random_keypoints_3d')
        if rand2d is None or rand3d is None:
            rand2d = np.zeros(kp3d.shape[:-3] + (0, J, 2), np.float32)
            rand3d = np.zeros(kp3d.shape[:-3] + (0, J, 3), np.float32)
        rand3d = np.asarray(rand3d, dtype=np.float32)
        self._check(rand3d, 'random_keypoints_3d')
        root = self.root_index
        return {
            LIFTING_VISIBILITY: vis,
            BONE_DIRECTIONS: directions.astype(np.float32),
            BONE_LENGTHS: (lengths / self.target_scale).astype(np.float32),
            LENGTH_INPUT: normalize(rand2d),
            LENGTH_TARGET: ((rand3d - rand3d[..., root:root + 1, :]) /
                            self.target_scale).astype(np.float32),
        }
