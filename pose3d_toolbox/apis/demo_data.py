"""Demo inputs from the embedded CMU mocap data (no download).

:func:`demo_sequence` films one test take with one camera of the fixed
Human3.6M-like rig (what ``configs/_base_/datasets/cmu_lifting.py``
evaluates on, 30 fps): its ground-truth 2D in Human3.6M-17 order, its
camera-space 3D (metres) and its camera. :func:`write_demo_keypoints`
writes the 2D as a file the inferencer reads:

- ``.npz``: ``keypoints (T, 17, 2)``, ``scores``, ``layout='h36m'``,
  ``image_size``, ``focal_length``, ``principal_point``, ``fps`` and the
  ground truth ``gt_keypoints_3d (T, 17, 3)`` (the reader ignores it);
- ``.json``: MMPose's ``--save-predictions`` layout (``{"meta_info":
  {"dataset_name": "h36m", ...}, "instance_info": [{"frame_id",
  "instances": [{"keypoints", "keypoint_scores", "bbox",
  "bbox_score"}]}]}``), which carries no camera: give the intrinsics that
  :func:`demo_sequence` returns (``--image-size``, ``--focal-length``,
  ``--principal-point``).

``repeat`` concatenates the take's frames ``repeat`` times (alternately
reversed, so the motion stays continuous), for long-sequence timing.
"""
import json
import os
import os.path as osp
from typing import Optional

import numpy as np

from pose3d_toolbox.skeletons import H36M
from pose3d_toolbox.utils.tracking import keypoint_boxes

DEMO_TAKE = '02_01'
DEMO_FPS = 30.0


def demo_sequence(take: str = DEMO_TAKE, camera: int = 0,
                  num_frames: Optional[int] = None) -> dict:
    """``keypoints_2d (T, 17, 2)``, ``keypoints_3d (T, 17, 3)``,
    ``camera`` (dict), ``take``, ``fps`` of a test take of the embedded
    data seen by camera ``camera`` (0-3) of the fixed rig; ``num_frames``
    > the take's length repeats it back and forth."""
    from pose3d_toolbox.datasets import CMUMocapDataset
    ds = CMUMocapDataset(split='test', takes=[take], rig='h36m',
                         visibility=False, test_mode=True)
    ds.full_init()
    videos = ds.videos
    if not 0 <= camera < len(videos):
        raise ValueError(f'demo_sequence: camera must be in [0, '
                         f'{len(videos)}), got {camera}')
    video = videos[camera]
    kp2d = np.asarray(video['keypoints_2d'], np.float64)
    kp3d = np.asarray(video['keypoints_3d'], np.float64)
    if num_frames is not None:
        order = np.arange(len(kp2d))
        reps = -(-num_frames // len(order))
        idx = np.concatenate([order if r % 2 == 0 else order[::-1]
                              for r in range(reps)])[:num_frames]
        kp2d, kp3d = kp2d[idx], kp3d[idx]
    cam = video['camera']
    return dict(keypoints_2d=kp2d, keypoints_3d=kp3d, take=take,
                fps=DEMO_FPS, camera=dict(
                    f=np.asarray(cam['f']).reshape(2).tolist(),
                    c=np.asarray(cam['c']).reshape(2).tolist(),
                    w=int(cam['w']), h=int(cam['h'])))


def write_demo_keypoints(path: str, take: str = DEMO_TAKE, camera: int = 0,
                         num_frames: Optional[int] = None) -> dict:
    """Write :func:`demo_sequence`'s 2D to ``path`` (``.npz`` or MMPose
    ``.json``, see the module docstring); returns the sequence."""
    seq = demo_sequence(take, camera, num_frames)
    kp = seq['keypoints_2d']
    cam = seq['camera']
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    if path.endswith('.npz'):
        np.savez(path, keypoints=kp.astype(np.float32),
                 scores=np.ones(kp.shape[:2], np.float32), layout='h36m',
                 image_size=np.array([cam['w'], cam['h']]),
                 focal_length=np.array(cam['f']),
                 principal_point=np.array(cam['c']), fps=seq['fps'],
                 gt_keypoints_3d=seq['keypoints_3d'].astype(np.float32))
    elif path.endswith('.json'):
        boxes = keypoint_boxes(kp)
        info = [dict(frame_id=t, instances=[dict(
            keypoints=np.round(kp[t], 3).tolist(),
            keypoint_scores=[1.0] * kp.shape[1],
            bbox=[np.round(boxes[t], 2).tolist()], bbox_score=1.0)])
            for t in range(len(kp))]
        meta = dict(dataset_name='h36m', num_keypoints=H36M.num_joints,
                    keypoint_id2name={str(i): n for i, n in
                                      enumerate(H36M.joint_names)})
        with open(path, 'w') as f:
            json.dump(dict(meta_info=meta, instance_info=info), f)
    else:
        raise ValueError(f'write_demo_keypoints: {path} must end in .npz '
                         'or .json')
    return seq


def write_demo_images(folder: str, take: str = DEMO_TAKE, camera: int = 0,
                      num_frames: Optional[int] = 30, step: int = 1,
                      video: Optional[str] = None, seed: int = 0) -> dict:
    """Render the frames of :func:`demo_sequence` (the capsule body of
    :mod:`pose3d_toolbox.datasets.synthetic.render`, what the shipped 2D
    estimator was trained on) as full camera images ``folder/%06d.png``
    and write ``folder/bboxes.json`` (each frame's person box: its
    ground-truth 2D joints' box, the box a detector would give). With
    ``video`` (a ``.mp4``/``.avi`` path) the frames are also written as a
    video (OpenCV's ``mp4v``/``MJPG`` encoder). Every ``step``-th frame of
    the first ``num_frames`` (None: all). Returns the sequence (its
    ``keypoints_2d``/``keypoints_3d`` cut to the rendered frames)."""
    import cv2

    from pose3d_toolbox.datasets.synthetic.render import render_person
    seq = demo_sequence(take, camera)
    idx = np.arange(len(seq['keypoints_2d']))[:num_frames][::step]
    cam = seq['camera']
    size = (cam['w'], cam['h'])
    os.makedirs(folder, exist_ok=True)
    writer = None
    if video:
        fourcc = 'MJPG' if video.endswith('.avi') else 'mp4v'
        writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*fourcc),
                                 seq['fps'] / step, size)
    boxes = []
    # one appearance for the whole take: colours and light fixed by seed
    for t in idx:
        img = render_person(seq['keypoints_3d'][t], cam,
                            matrix=np.eye(2, 3), out_size=size,
                            rng=np.random.default_rng(seed)).image
        bgr = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
        cv2.imwrite(osp.join(folder, f'{t:06d}.png'), bgr)
        if writer is not None:
            writer.write(bgr)
        boxes.append([np.round(keypoint_boxes(seq['keypoints_2d'][t][None])
                               [0], 2).tolist()])
    if writer is not None:
        writer.release()
    with open(osp.join(folder, 'bboxes.json'), 'w') as f:
        json.dump(boxes, f)
    return dict(seq, keypoints_2d=seq['keypoints_2d'][idx],
                keypoints_3d=seq['keypoints_3d'][idx], frames=idx)
