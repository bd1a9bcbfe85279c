"""Tracking people across frames by the overlap of their boxes.

The inferencer lifts each person's keypoint sequence on its own, so the
detections of every frame are first linked into tracks
(:func:`track_by_iou`): greedy matching, highest IoU first, of each frame's
boxes to the tracks seen in the last ``max_age`` frames (each pair taken
in order of decreasing IoU, so the result does not depend on the order in
which a detector lists the people). A box that overlaps no live track by
at least ``iou_threshold`` starts a new one.
"""
import warnings
from typing import List, Sequence

import numpy as np


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(N, 4)`` x ``(M, 4)`` boxes ``(x1, y1, x2, y2)`` -> ``(N, M)``
    intersection over union (0 for empty boxes)."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area = lambda x: np.clip(x[:, 2:] - x[:, :2], 0, None).prod(-1)  # noqa
    union = area(a)[:, None] + area(b)[None] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def keypoint_boxes(keypoints: np.ndarray) -> np.ndarray:
    """``(N, J, 2)`` keypoints -> ``(N, 4)`` their enclosing boxes (NaN
    joints left out; a person without a finite joint gets a NaN box, whose
    IoU with anything is 0)."""
    kp = np.asarray(keypoints, np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)  # all-NaN rows
        return np.concatenate([np.nanmin(kp, -2), np.nanmax(kp, -2)], -1)


def track_by_iou(boxes: Sequence[np.ndarray], iou_threshold: float = 0.3,
                 max_age: int = 1) -> List[np.ndarray]:
    """Link per-frame detections into tracks.

    Args:
        boxes: one ``(N_t, 4)`` array per frame.
        iou_threshold: the least IoU that continues a track.
        max_age: frames a track may go unseen and still be continued.

    Returns:
        one ``(N_t,)`` int array of track ids per frame (ids count from 0
        in order of appearance).
    """
    if not 0 <= iou_threshold <= 1:
        raise ValueError(f'track_by_iou: iou_threshold must be in [0, 1], '
                         f'got {iou_threshold!r}')
    live = {}  # id -> (last box, last frame)
    next_id, out = 0, []
    for t, frame_boxes in enumerate(boxes):
        fb = np.asarray(frame_boxes, np.float64).reshape(-1, 4)
        ids = np.full(len(fb), -1, np.int64)
        cand = [k for k, (_, last) in live.items() if t - last <= max_age]
        if cand and len(fb):
            iou = box_iou(fb, np.stack([live[k][0] for k in cand]))
            order = np.dstack(np.unravel_index(
                np.argsort(-iou, axis=None, kind='stable'), iou.shape))[0]
            used = set()
            for i, j in order:
                if iou[i, j] < iou_threshold:
                    break
                if ids[i] >= 0 or j in used:
                    continue
                ids[i] = cand[j]
                used.add(j)
        for i in range(len(fb)):
            if ids[i] < 0:
                ids[i] = next_id
                next_id += 1
            live[int(ids[i])] = (fb[i], t)
        out.append(ids)
    return out
