"""Small dataset files in the exact on-disk schemas, for tests and demos.

Each ``make_*_fixture(root, ...)`` writes a miniature copy of a dataset's
preprocessed files under ``root`` and returns a dict of the paths written.
Poses are synthetic but plausible: a skeleton with fixed, per-subject bone
lengths (exactly constant within a video) whose bones swing smoothly, walking
slowly round the world origin; cameras stand about 5 m away looking at it.
3D is stored in camera coordinates (metres) and 2D is its projection with
:func:`pose3d_toolbox.utils.camera.camera_to_pixel` and the camera stored in
the fixture's camera file, so ``camera_to_pixel(S[..., :3], f, c, k, p) ==
part[..., :2]``. Everything is deterministic given ``seed``.

Example:
    >>> from fixtures import make_h36m_fixture  # tests/ is on sys.path
    >>> paths = make_h36m_fixture(tmp_path, subjects=('S1', 'S9'), frames=20)
    >>> from pose3d_toolbox.datasets.h36m import Human3p6mDataset
    >>> ds = Human3p6mDataset(data_root=paths['data_root'], seq_len=9)
"""
import os
import os.path as osp
import pickle
from typing import Dict, Sequence, Union

import numpy as np

from pose3d_toolbox.geometry import look_at
from pose3d_toolbox.skeletons import get_skeleton
from pose3d_toolbox.utils.camera import camera_to_pixel, world_to_camera

__all__ = ['make_h36m_fixture', 'make_mpi_inf_3dhp_fixture', 'synth_motion',
           'H36M_RAW_ACTIONS',
           'make_coco_fixture', 'make_mpii_fixture',
           'make_h36m_image_fixture']

# Rest pose of each skeleton as (child - parent) offsets in metres, world
# z up, the person facing +y (so its right is +x).
_REST_OFFSETS = {
    'h36m': [
        (0, 0, 0),  # pelvis (root)
        (0.13, 0, 0), (0, 0, -0.45), (0, 0, -0.44),  # right leg
        (-0.13, 0, 0), (0, 0, -0.45), (0, 0, -0.44),  # left leg
        (0, 0, 0.23), (0, 0, 0.25),  # spine, thorax
        (0, 0.05, 0.10), (0, -0.03, 0.12),  # neck/nose, head
        (-0.16, 0, -0.02), (0, 0, -0.28), (0, 0, -0.25),  # left arm
        (0.16, 0, -0.02), (0, 0, -0.28), (0, 0, -0.25),  # right arm
    ],
    'mpi_inf_3dhp': [
        (0, 0, 0.10),  # head_top <- head
        (0, 0, 0.25),  # neck <- spine
        (0.17, 0, -0.03), (0, 0, -0.28), (0, 0, -0.25),  # right arm
        (-0.17, 0, -0.03), (0, 0, -0.28), (0, 0, -0.25),  # left arm
        (0.12, 0, -0.03), (0, 0, -0.44), (0, 0, -0.42),  # right leg
        (-0.12, 0, -0.03), (0, 0, -0.44), (0, 0, -0.42),  # left leg
        (0, 0, 0),  # pelvis (root)
        (0, 0, 0.24),  # spine <- pelvis
        (0, 0.03, 0.12),  # head <- neck
    ],
}
_PELVIS_HEIGHT = 0.92

#: Human3.6M sequence names in the order used by ``actions=<int>``; S1 spells
#: two of them differently, as in the real data.
H36M_RAW_ACTIONS = ('Directions', 'Discussion', 'Eating', 'Greeting',
                    'Phoning', 'Photo', 'Posing', 'Purchases', 'Sitting',
                    'SittingDown', 'Smoking', 'Waiting', 'WalkDog', 'Walking',
                    'WalkTogether')
_S1_SPELLING = {'Photo': 'TakingPhoto', 'WalkDog': 'WalkingDog'}
# Real serials and image sizes (w, h) of the four Human3.6M cameras.
_H36M_CAMERAS = (('54138969', 1000, 1002), ('55011271', 1000, 1000),
                 ('58860488', 1000, 1000), ('60457274', 1000, 1002))


def _rotations(axes: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Rodrigues' formula: unit axes (..., 3), angles (...) -> (..., 3, 3)."""
    x, y, z = axes[..., 0], axes[..., 1], axes[..., 2]
    zero = np.zeros_like(x)
    K = np.stack([zero, -z, y, z, zero, -x, -y, x, zero], -1)
    K = K.reshape(axes.shape[:-1] + (3, 3))
    s, c = np.sin(angles)[..., None, None], np.cos(angles)[..., None, None]
    return np.eye(3) + s * K + (1 - c) * (K @ K)


def synth_motion(skeleton: str, frames: int, rng: np.random.Generator,
                 bone_scale: float = 1.0) -> np.ndarray:
    """``(frames, J, 3)`` world poses (metres, z up) with constant bones.

    Every bone swings about a random axis with a smooth sinusoid; the whole
    body turns and walks round a circle of ~0.5 m. Bone lengths are the rest
    pose's times ``bone_scale``, identical in every frame.
    """
    skel = get_skeleton(skeleton)
    offsets = np.asarray(_REST_OFFSETS[skel.name], dtype=np.float64)
    offsets = offsets * bone_scale
    J, t = skel.num_joints, np.arange(frames, dtype=np.float64)
    axes = rng.normal(size=(J, 3))
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    amp = rng.uniform(0.05, 0.35, size=J)
    freq = rng.uniform(0.05, 0.2, size=J)
    phase = rng.uniform(0, 2 * np.pi, size=J)
    local = _rotations(
        np.broadcast_to(axes, (frames, J, 3)),
        amp * np.sin(freq * t[:, None] + phase))  # (T, J, 3, 3)

    heading = rng.uniform(0, 2 * np.pi) + 0.02 * t
    glob = [None] * J
    pos = np.zeros((frames, J, 3))
    root = skel.root_index
    glob[root] = _rotations(np.broadcast_to([0., 0., 1.], (frames, 3)),
                            heading)
    pos[:, root] = np.stack([0.5 * np.cos(heading), 0.5 * np.sin(heading),
                             np.full(frames, _PELVIS_HEIGHT)], -1)
    for j in skel.kinematic_order:
        p = skel.parents[j]
        if p < 0:
            continue
        glob[j] = glob[p] @ local[:, j]
        pos[:, j] = pos[:, p] + np.einsum('tab,b->ta', glob[j], offsets[j])
    return pos


def _ring_camera(rng, angle, w, h, distortion):
    """A camera ~5 m from the origin at ``angle`` with intrinsics like
    Human3.6M's; returns the toolbox-convention dict."""
    radius = rng.uniform(4.5, 5.5)
    centre = np.array([radius * np.cos(angle), radius * np.sin(angle),
                       rng.uniform(1.2, 1.8)])
    focal = rng.uniform(1140, 1150)
    cam = dict(
        R=look_at(centre, (0, 0, 1.0)), T=centre.reshape(3, 1),
        c=np.array([[w / 2 + rng.uniform(-10, 10)],
                    [h / 2 + rng.uniform(-10, 10)]]),
        f=np.array([[focal], [focal + rng.uniform(-2, 2)]]),
        k=np.zeros((3, 1)), p=np.zeros((2, 1)), w=int(w), h=int(h))
    if distortion:
        cam['k'] = np.array([[-0.2], [0.2], [-0.005]])
        cam['p'] = np.array([[-0.001], [0.001]])
    return cam


def _project(kp_cam, cam):
    return camera_to_pixel(kp_cam, cam['f'], cam['c'], cam.get('k'),
                           cam.get('p'))


def _bbox(kp2d, scale_factor=1.2):
    """MMPose's ``center (N, 2)`` and ``scale (N,)`` from 2D keypoints."""
    lo, hi = kp2d.min(axis=1), kp2d.max(axis=1)
    return (lo + hi) / 2, scale_factor * (hi - lo).max(axis=1) / 200


def _write_npz(path, imgnames, kp2d, kp3d, vis):
    """Write the lifting npz schema; ``kp2d (N, J, 2)``, ``kp3d (N, J, 3)``."""
    J = kp3d.shape[1] if len(kp3d) else 17
    kp2d = np.asarray(kp2d, np.float32).reshape(-1, J, 2)
    kp3d = np.asarray(kp3d, np.float32).reshape(-1, J, 3)
    vis = np.asarray(vis, np.float32).reshape(-1, J, 1)
    center, scale = (_bbox(kp2d) if len(kp2d) else
                     (np.zeros((0, 2)), np.zeros((0, ))))
    np.savez(path, imgname=np.array(imgnames, dtype=str).reshape(-1),
             center=center.astype(np.float32), scale=scale.astype(np.float32),
             part=np.concatenate([kp2d, vis], -1),
             S=np.concatenate([kp3d, vis], -1))


def _write_detections(path, kp2d, rng, noise):
    """``(N, J, 3)``: 2D + Gaussian noise (pixels) and a score in [0.5, 1]."""
    kp2d = np.asarray(kp2d, np.float32)
    det = kp2d + rng.normal(0, noise, kp2d.shape).astype(np.float32)
    score = rng.uniform(0.5, 1.0, kp2d.shape[:-1] + (1, )).astype(np.float32)
    np.save(path, np.concatenate([det, score], -1))


def make_h36m_fixture(root: Union[str, os.PathLike],
                      subjects: Sequence[str] = ('S1', 'S5', 'S9', 'S11'),
                      actions: Union[int, Sequence[str]] = 2,
                      frames: int = 40,
                      cameras: int = 4,
                      seed: int = 0,
                      fps: int = 50,
                      test_subjects: Sequence[str] = ('S9', 'S11'),
                      detections: bool = True,
                      det_noise: float = 2.0,
                      distortion: bool = False) -> Dict[str, str]:
    """Write Human3.6M files in MMPose's preprocessed layout under ``root``.

    Files::

        annotation_body3d/cameras.pkl            {(subject, serial): camera}
        annotation_body3d/fps{fps}/h36m_train.npz   other subjects
        annotation_body3d/fps{fps}/h36m_test.npz    test_subjects
        annotation_body3d/fps{fps}/h36m_{train,test}_det.npy  (detections)

    Args:
        root: output folder (the dataset's ``data_root``).
        subjects: subject names.
        actions: the first ``actions`` of :data:`H36M_RAW_ACTIONS`, or a list
            of raw sequence names (``'TakingPhoto'``, ``'Walking'``, ...).
            Each becomes the sequence ``<name>_1`` (S1 spells Photo /
            WalkDog as TakingPhoto / WalkingDog, like the real data).
        frames: frames per video (rows written per video, at ``fps``).
        cameras: how many of the four Human3.6M cameras (serials) to use.
        seed: random seed; the same seed writes identical files.
        fps: 50 or 10; image names number frames ``i * (50 // fps) + 1``.
        test_subjects: subjects written to ``h36m_test.npz``.
        detections: also write ``(N, 17, 3)`` detection ``.npy`` files
            aligned row by row: 2D + N(0, ``det_noise``) px, score column.
        distortion: give cameras non-zero ``k``, ``p`` and distort the 2D
            (otherwise ``k = p = 0``, a pinhole).

    Returns:
        dict with ``data_root``, ``camera_file``, ``train_ann``,
        ``test_ann`` and, with ``detections``, ``train_det``, ``test_det``
        (absolute paths); ``ann_file`` values relative to ``data_root`` are
        the same paths without it.
    """
    rng = np.random.default_rng(seed)
    root = osp.abspath(os.fspath(root))
    ann_dir = osp.join(root, 'annotation_body3d')
    split_dir = osp.join(ann_dir, f'fps{fps}')
    os.makedirs(split_dir, exist_ok=True)
    if isinstance(actions, int):
        actions = H36M_RAW_ACTIONS[:actions]
    rate = 50 // fps

    cams, rows = {}, {'train': [], 'test': []}
    for subject in subjects:
        for ci, (serial, w, h) in enumerate(_H36M_CAMERAS[:cameras]):
            cam = _ring_camera(rng, np.pi / 4 + ci * np.pi / 2, w, h,
                               distortion)
            cams[(subject, serial)] = dict(cam, name=f'camera{ci + 1}',
                                           id=serial)
        split = 'test' if subject in test_subjects else 'train'
        scale = rng.uniform(0.9, 1.1)
        for action in actions:
            if subject == 'S1':
                action = _S1_SPELLING.get(action, action)
            sequence = f'{action}_1'
            world = synth_motion('h36m', frames, rng, scale)
            for serial, _, _ in _H36M_CAMERAS[:cameras]:
                cam = cams[(subject, serial)]
                kp3d = world_to_camera(world, cam['R'], cam['T'])
                base = f'{subject}_{sequence}.{serial}'
                names = [f'{subject}/{base}/{base}_{i * rate + 1:06d}.jpg'
                         for i in range(frames)]
                rows[split].append((names, _project(kp3d, cam), kp3d))

    with open(osp.join(ann_dir, 'cameras.pkl'), 'wb') as f:
        pickle.dump(cams, f)
    out = dict(data_root=root, camera_file=osp.join(ann_dir, 'cameras.pkl'))
    for split, items in rows.items():
        names = [n for item in items for n in item[0]]
        kp2d = np.concatenate([i[1] for i in items]) if items else \
            np.zeros((0, 17, 2))
        kp3d = np.concatenate([i[2] for i in items]) if items else \
            np.zeros((0, 17, 3))
        path = osp.join(split_dir, f'h36m_{split}.npz')
        _write_npz(path, names, kp2d, kp3d, np.ones(kp2d.shape[:2]))
        out[f'{split}_ann'] = path
        if detections:
            det = osp.join(split_dir, f'h36m_{split}_det.npy')
            _write_detections(det, kp2d, rng, det_noise)
            out[f'{split}_det'] = det
    return out


def make_mpi_inf_3dhp_fixture(root: Union[str, os.PathLike],
                              subjects: Sequence[str] = ('S1', 'S2'),
                              seqs: int = 2,
                              cameras: Sequence[int] = (0, 1, 2),
                              frames: int = 40,
                              test_subjects: Sequence[str] = ('TS1', 'TS5'),
                              test_frames: int = 40,
                              seed: int = 0,
                              detections: bool = True,
                              det_noise: float = 2.0) -> Dict[str, str]:
    """Write MPI-INF-3DHP files in MMPose's preprocessed layout under
    ``root``.

    Files::

        annotations/mpi_inf_3dhp_train.npz       S<n>_Seq<k>_Cam<c>_<f>.jpg
        annotations/mpi_inf_3dhp_test_valid.npz  TS<n>_<f>.jpg
        annotations/cameras_train.pkl   {'S1_Seq1_Cam0': dict(R, T, c, f, w, h,
                                        name)}, R/T world-to-camera
                                        (X_cam = R X + T, T in metres)
        annotations/cameras_test.pkl    {'TS1': dict(c, f, w, h, name)}
        annotations/mpi_inf_3dhp_{train,test_valid}_det.npy   (detections)

    Training images are 2048 x 2048; test images 2048 x 2048 for TS1-4 and
    1920 x 1080 for TS5-6, as in the real data. Test frames skip every 10th
    frame number (``TS<n>_000010.jpg`` ...), like the valid-frame subset.
    The 2D/3D visibility column is 1 inside the image, 0 outside.

    Args:
        root: output folder (the dataset's ``data_root``).
        subjects: training subjects ``'S1'`` ..
        seqs: sequences per training subject (``Seq1`` ..).
        cameras: camera indices of the training videos.
        frames: frames per training video.
        test_subjects: test sequences ``'TS1'`` .. ``'TS6'``.
        test_frames: frames per test sequence before skipping.
        seed: random seed.
        detections: also write ``(N, 17, 3)`` detection ``.npy`` files.
        det_noise: detection noise, pixels.

    Returns:
        dict with ``data_root``, ``train_ann``, ``test_ann``,
        ``train_camera_file``, ``test_camera_file`` and, with
        ``detections``, ``train_det``, ``test_det`` (absolute paths).
    """
    rng = np.random.default_rng(seed)
    root = osp.abspath(os.fspath(root))
    ann_dir = osp.join(root, 'annotations')
    os.makedirs(ann_dir, exist_ok=True)

    def visible(kp2d, w, h):
        return ((kp2d[..., 0] >= 0) & (kp2d[..., 0] < w) &
                (kp2d[..., 1] >= 0) & (kp2d[..., 1] < h)).astype(np.float32)

    train_cams, train_rows = {}, []
    for subject in subjects:
        scale = rng.uniform(0.9, 1.1)
        for seq in range(1, seqs + 1):
            world = synth_motion('mpi_inf_3dhp', frames, rng, scale)
            for cam_idx in cameras:
                cam = _ring_camera(rng, cam_idx * 2 * np.pi / 9, 2048, 2048,
                                   False)
                key = f'{subject}_Seq{seq}_Cam{cam_idx}'
                # MPI stores world-to-camera extrinsics: X_cam = R X + T.
                R_w2c = cam['R'].T
                train_cams[key] = dict(
                    R=R_w2c, T=-R_w2c @ cam['T'], c=cam['c'], f=cam['f'],
                    w=2048, h=2048, name=f'train_cam_{cam_idx}')
                kp3d = world_to_camera(world, cam['R'], cam['T'])
                kp2d = _project(kp3d, cam)
                names = [f'{key}_{i + 1:06d}.jpg' for i in range(frames)]
                train_rows.append((names, kp2d, kp3d, visible(kp2d, 2048,
                                                              2048)))

    test_cams, test_rows = {}, []
    for subject in test_subjects:
        w, h = (1920, 1080) if subject in ('TS5', 'TS6') else (2048, 2048)
        cam = _ring_camera(rng, rng.uniform(0, 2 * np.pi), w, h, False)
        test_cams[subject] = dict(c=cam['c'], f=cam['f'], w=w, h=h,
                                  name=f'test_cam_{subject[2:]}')
        world = synth_motion('mpi_inf_3dhp', test_frames, rng,
                             rng.uniform(0.9, 1.1))
        keep = np.array([i for i in range(test_frames) if (i + 1) % 10])
        kp3d = world_to_camera(world, cam['R'], cam['T'])[keep]
        kp2d = _project(kp3d, cam)
        names = [f'{subject}_{i + 1:06d}.jpg' for i in keep]
        test_rows.append((names, kp2d, kp3d, visible(kp2d, w, h)))

    out = dict(data_root=root)
    for split, items, cams, stem in (
            ('train', train_rows, train_cams, 'mpi_inf_3dhp_train'),
            ('test', test_rows, test_cams, 'mpi_inf_3dhp_test_valid')):
        cam_file = osp.join(ann_dir, f'cameras_{split}.pkl')
        with open(cam_file, 'wb') as f:
            pickle.dump(cams, f)
        out[f'{split}_camera_file'] = cam_file
        names = [n for item in items for n in item[0]]
        def cat(k, shape, items=items):
            return (np.concatenate([i[k] for i in items]) if items
                    else np.zeros(shape))
        kp2d, kp3d = cat(1, (0, 17, 2)), cat(2, (0, 17, 3))
        path = osp.join(ann_dir, f'{stem}.npz')
        _write_npz(path, names, kp2d, kp3d, cat(3, (0, 17)))
        out[f'{split}_ann'] = path
        if detections:
            det = osp.join(ann_dir, f'{stem}_det.npy')
            _write_detections(det, kp2d, rng, det_noise)
            out[f'{split}_det'] = det
    return out


def make_error_model_fixture(path: str, num_keypoints: int = 17,
                             seed: int = 0) -> str:
    """Fit and save a 2D error model (:mod:`pose3d_toolbox.datasets.
    error_model`) to errors of a known mixture: 4 px Gaussian inliers, 10 %
    uniform outliers. Returns ``path``."""
    from pose3d_toolbox.datasets.error_model import (fit_error_model,
                                                     save_error_model)
    rng = np.random.default_rng(seed)
    gt = rng.uniform(0, 1000, (400, num_keypoints, 2))
    err = rng.normal(0, 4, gt.shape)
    outlier = rng.random(gt.shape[:2]) < 0.1
    err[outlier] = rng.uniform(-50, 50, (outlier.sum(), 2))
    kind = 'gaussian' if 'gaussian' in osp.basename(path) else 'mixture'
    save_error_model(path, fit_error_model(gt + err, gt, kind=kind))
    return path


def _person_image(rng, size, keypoints):
    """``(H, W, 3)`` uint8: a flat dark background (random shade; cheap to
    encode) with a bright disc at every keypoint."""
    import cv2
    W, H = size
    img = np.full((H, W, 3), rng.integers(0, 80, 3), np.uint8)
    for x, y in np.asarray(keypoints, np.float64).reshape(-1, 2):
        cv2.circle(img, (int(round(x)), int(round(y))), 2, (255, 220, 0), -1)
    return img


def make_coco_fixture(root: Union[str, os.PathLike], images: int = 3,
                      size=(96, 80), seed: int = 0) -> Dict[str, str]:
    """Write a tiny COCO person-keypoints set under ``root``::

        annotations/person_keypoints_train.json   (COCO schema)
        images/000000000001.jpg ...

    Each image holds one labelled person (a few keypoints unlabelled,
    ``v = 0``) and, in the first image, a crowd annotation that readers must
    skip. Returns ``data_root``, ``ann_file`` (relative), ``img_prefix``
    (relative) and the written ``annotations`` (person dicts, for tests).
    """
    import cv2
    import json
    rng = np.random.default_rng(seed)
    root = osp.abspath(os.fspath(root))
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    os.makedirs(osp.join(root, 'images'), exist_ok=True)
    W, H = size
    coco = dict(images=[], annotations=[], categories=[dict(
        id=1, name='person', supercategory='person',
        keypoints=list(get_skeleton('coco').joint_names),
        skeleton=[])])
    for i in range(1, images + 1):
        kp = rng.uniform([20, 10], [W - 20, H - 10], (17, 2))
        vis = np.full(17, 2)
        vis[rng.choice(17, 3, replace=False)] = 0
        name = f'{i:012d}.jpg'
        cv2.imwrite(osp.join(root, 'images', name),
                    _person_image(rng, size, kp[vis > 0])[..., ::-1])
        coco['images'].append(dict(id=i, file_name=name, width=W, height=H))
        x0, y0 = kp.min(0) - 3
        x1, y1 = kp.max(0) + 3
        flat = np.c_[np.where(vis[:, None] > 0, kp, 0), vis].reshape(-1)
        coco['annotations'].append(dict(
            id=100 + i, image_id=i, category_id=1, iscrowd=0,
            bbox=[float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
            area=float((x1 - x0) * (y1 - y0)), num_keypoints=int((vis > 0)
                                                               .sum()),
            keypoints=[float(v) for v in flat]))
        if i == 1:
            coco['annotations'].append(dict(
                id=999, image_id=i, category_id=1, iscrowd=1,
                bbox=[0.0, 0.0, 10.0, 10.0], area=100.0, num_keypoints=17,
                keypoints=[1.0] * 51,
                segmentation=dict(counts=[0, W * H], size=[H, W])))
    ann_file = 'annotations/person_keypoints_train.json'
    with open(osp.join(root, ann_file), 'w') as f:
        json.dump(coco, f)
    return dict(data_root=root, ann_file=ann_file, img_prefix='images/',
                annotations=[a for a in coco['annotations']
                             if not a['iscrowd']])


def make_mpii_fixture(root: Union[str, os.PathLike], people: int = 3,
                      size=(96, 80), seed: int = 0) -> Dict[str, str]:
    """Write a tiny MPII set in MMPose's JSON layout under ``root``::

        annotations/mpii_train.json   [{image, center, scale, joints,
                                        joints_vis}, ...]
        images/000000001.jpg ...

    ``joints`` are 1-based (MATLAB) pixels as in the real files; one joint
    per person is unlabelled. Returns ``data_root``, ``ann_file``,
    ``img_prefix`` and the written ``annotations``.
    """
    import cv2
    import json
    rng = np.random.default_rng(seed)
    root = osp.abspath(os.fspath(root))
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    os.makedirs(osp.join(root, 'images'), exist_ok=True)
    W, H = size
    anns = []
    for i in range(people):
        kp = rng.uniform([20, 10], [W - 20, H - 10], (16, 2))  # 0-based
        vis = np.ones(16)
        vis[rng.integers(16)] = 0
        name = f'{i + 1:09d}.jpg'
        cv2.imwrite(osp.join(root, 'images', name),
                    _person_image(rng, size, kp[vis > 0])[..., ::-1])
        centre = (kp.min(0) + kp.max(0)) / 2
        anns.append(dict(image=name, center=centre.tolist(),
                         scale=float((kp.max(0) - kp.min(0)).max() / 200),
                         joints=(kp + 1).tolist(),
                         joints_vis=vis.tolist()))
    ann_file = 'annotations/mpii_train.json'
    with open(osp.join(root, ann_file), 'w') as f:
        json.dump(anns, f)
    return dict(data_root=root, ann_file=ann_file, img_prefix='images/',
                annotations=anns)


def make_h36m_image_fixture(root: Union[str, os.PathLike],
                            **kwargs) -> Dict[str, str]:
    """:func:`make_h36m_fixture` (small by default: 1 action, 1 camera, 3
    frames), written for ``fps`` 50 and 10 unless one is given, plus an
    image per row under ``<root>/images/`` (noise with a disc at each 2D
    joint), for image pipelines (``LoadImage``). Returns the paths of the
    last ``fps`` written (10 by default)."""
    import cv2
    kwargs = dict(dict(actions=1, cameras=1, frames=3), **kwargs)
    rates = [kwargs.pop('fps')] if 'fps' in kwargs else [50, 10]
    rng = np.random.default_rng(kwargs.get('seed', 0))
    for fps in rates:
        out = make_h36m_fixture(root, fps=fps, **kwargs)
        for split in ('train', 'test'):
            with np.load(out[f'{split}_ann']) as data:
                names, parts = data['imgname'], data['part']
            for name, part in zip(names, parts):
                path = osp.join(out['data_root'], 'images', str(name))
                os.makedirs(osp.dirname(path), exist_ok=True)
                # the fixture's cameras are 1000 x 1000/1002 pixels
                cv2.imwrite(path, _person_image(rng, (1000, 1002),
                                                part[:, :2])[..., ::-1])
    return out


def flip_test_predictions(model, skeleton):
    """Predictions of a top-down 3D estimator for a random crop with the
    principal point on the crop's centre line: ``(a, b, c)`` for the image
    with the flip test, its mirror with the flip test, and the image
    without it. The head's parameters are redrawn (std 0.3) so that it is
    non-trivial and asymmetric. With a correct flip test, ``a`` is ``b``
    mirrored (x -> -x, left and right swapped) and differs from ``c``."""
    import torch
    from pose3d_toolbox.structures import PoseDataSample
    for p in model.head.parameters():
        torch.nn.init.normal_(p, std=0.3)
    model.eval()
    meta = dict(skeleton=skeleton, crop_matrix=np.eye(2, 3),
                gt_root_depth=4.0,
                camera=dict(f=np.array([[60.0], [60.0]]),
                            c=np.array([[15.5], [15.5]])))
    img = torch.randn(1, 3, 32, 32)

    def predict(x):
        return model(x, [PoseDataSample(metainfo=meta)], 'predict')[0]

    with torch.no_grad():
        a, b = predict(img), predict(img.flip(-1))
        model.test_cfg['flip_test'] = False
        c = predict(img)
    return a, b, c
