"""Images, folders of images and videos for the image path of
:class:`~.inferencer.Pose3DInferencer`, and person boxes for them.

- :func:`is_image_input`: an image file, a folder holding images, or a
  video file (by suffix).
- :func:`read_frames`: ``(frame_id, name, RGB uint8 image)`` in order (a
  folder: file-name order; a video: every frame, read with OpenCV).
- :func:`read_bboxes`: person boxes from a JSON file: a list with one
  entry per frame, each a list of ``[x1, y1, x2, y2]`` boxes (or ``{"img_
  path": ..., "bboxes": [...]}``); a frame without boxes (or no box file)
  is treated as one person filling the whole frame.
"""
import json
import os
import os.path as osp
from typing import Iterator, List, Optional, Tuple

import numpy as np

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')
VIDEO_SUFFIXES = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg',
                  '.mpeg')


def _lower(path: str) -> str:
    return path.lower()


def is_image_input(path) -> bool:
    """Whether ``path`` (or a list of paths) is images or a video."""
    if isinstance(path, (list, tuple)):
        return bool(path) and all(is_image_input(p) for p in path)
    path = str(path)
    if osp.isdir(path):
        return any(_lower(f).endswith(IMAGE_SUFFIXES)
                   for f in os.listdir(path))
    return _lower(path).endswith(IMAGE_SUFFIXES + VIDEO_SUFFIXES)


def _read_image(path: str) -> np.ndarray:
    import cv2
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f'{path}: cannot read the image (exists: '
                         f'{osp.exists(path)}); give a PNG/JPEG file')
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def read_frames(path) -> Iterator[Tuple[int, str, np.ndarray]]:
    """``(frame_id, name, (H, W, 3) RGB uint8)`` of an image, a list of
    images, a folder of images or a video."""
    if isinstance(path, (list, tuple)):
        for i, p in enumerate(path):
            yield i, str(p), _read_image(str(p))
        return
    path = str(path)
    if osp.isdir(path):
        names = sorted(f for f in os.listdir(path)
                       if _lower(f).endswith(IMAGE_SUFFIXES))
        for i, name in enumerate(names):
            yield i, osp.join(path, name), _read_image(osp.join(path, name))
        return
    if _lower(path).endswith(IMAGE_SUFFIXES):
        yield 0, path, _read_image(path)
        return
    import cv2
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such video file')
    cap = cv2.VideoCapture(path)
    ok, frame = cap.read() if cap.isOpened() else (False, None)
    if not ok:
        cap.release()
        raise ValueError(
            f'{path}: OpenCV cannot read a frame of this video (corrupt, '
            'empty, or a codec its build lacks); re-encode it (e.g. ffmpeg '
            '-i IN -c:v libx264 OUT.mp4) or extract its frames into a '
            'folder of images and pass the folder')
    i = 0
    try:
        while ok:
            yield i, f'{path}#{i}', cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            i += 1
            ok, frame = cap.read()
    finally:
        cap.release()


def video_fps(path: str) -> Optional[float]:
    """A video's frame rate (None for images or when unknown)."""
    if isinstance(path, (list, tuple)) or osp.isdir(str(path)) or \
            not _lower(str(path)).endswith(VIDEO_SUFFIXES):
        return None
    import cv2
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) if cap.isOpened() else 0
    cap.release()
    return float(fps) if fps and fps > 0 else None


def read_bboxes(path: str) -> List[np.ndarray]:
    """Per frame ``(N, 4)`` boxes ``(x1, y1, x2, y2)`` from ``path`` (see
    the module docstring)."""
    with open(path) as f:
        data = json.load(f)
    if not isinstance(data, list):
        raise ValueError(f'{path}: expected a list with one entry of '
                         '[x1, y1, x2, y2] boxes per frame, got '
                         f'{type(data).__name__}')
    out = []
    for t, entry in enumerate(data):
        boxes = entry.get('bboxes', []) if isinstance(entry, dict) else entry
        arr = np.asarray(boxes, np.float64)
        if arr.size and (arr.ndim != 2 or arr.shape[1] < 4):
            raise ValueError(f'{path}: frame {t}: boxes of shape '
                             f'{arr.shape}; give [[x1, y1, x2, y2], ...]')
        out.append(arr.reshape(-1, arr.shape[-1] if arr.size else 4)[:, :4])
    return out
