"""2D affine transforms of image points: ``(2, 3)`` matrices ``[A | t]``
mapping ``p -> A p + t``, and the crop of a box into a network input."""
import numpy as np


def to_3x3(matrix) -> np.ndarray:
    """``(2, 3)`` affine -> ``(3, 3)`` homogeneous matrix (float64)."""
    return np.vstack([np.asarray(matrix, np.float64).reshape(2, 3),
                      [0.0, 0.0, 1.0]])


def apply_affine(matrix, points) -> np.ndarray:
    """``(2, 3)`` affine applied to ``(..., 2)`` points (float64)."""
    m = np.asarray(matrix, np.float64)
    return np.asarray(points, np.float64) @ m[:, :2].T + m[:, 2]


def invert_affine(matrix) -> np.ndarray:
    """Inverse of a ``(2, 3)`` affine, ``(2, 3)``."""
    return np.linalg.inv(to_3x3(matrix))[:2]


def bbox_from_keypoints(keypoints_2d, padding=1.3, aspect_ratio=1.0):
    """Box around ``(J, 2)`` pixels: centre ``(2,)`` and size ``(2,)`` (w,
    h), enlarged by ``padding`` and then to ``aspect_ratio`` (w / h)."""
    kp = np.asarray(keypoints_2d, np.float64)
    lo, hi = kp.min(0), kp.max(0)
    w, h = np.maximum(hi - lo, 1.0) * padding
    w, h = max(w, h * aspect_ratio), max(h, w / aspect_ratio)
    return (lo + hi) / 2, np.array([w, h])


def crop_matrix(bbox_center, bbox_scale, out_size=(256, 256), rotation=0.0):
    """``(2, 3)`` affine mapping full-image pixels into a crop.

    The box (centre, ``bbox_scale`` = (w, h) pixels) is first enlarged to the
    crop's aspect ratio, so the scale is isotropic, then fills ``out_size``
    = (W, H); ``rotation`` (degrees) turns the crop's content
    counter-clockwise on screen about the box centre.
    """
    W, H = out_size
    bw, bh = np.asarray(bbox_scale, np.float64).reshape(2)
    scale = min(W / bw, H / bh)
    a = np.deg2rad(rotation)
    # image y points down, so a screen-counter-clockwise turn is R(-a)
    rot = scale * np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    centre = np.asarray(bbox_center, np.float64).reshape(2)
    shift = np.array([(W - 1) / 2, (H - 1) / 2]) - rot @ centre
    return np.concatenate([rot, shift[:, None]], axis=1)


def warp_crop(image: np.ndarray, bbox_center, bbox_scale, out_size,
              rotation: float = 0.0, src_matrix=None) -> tuple:
    """Crop the box of an image into an ``out_size`` = (W, H) input.

    ``M`` = :func:`crop_matrix` of the box maps image pixels into the crop;
    ``image`` (whose pixels are ``src_matrix`` of image pixels: identity
    for a full image) is warped by ``M o src_matrix^-1`` (bilinear, zero
    border). Returns the crop ``(H, W, C)`` and ``M`` ``(2, 3)``."""
    import cv2
    W, H = (int(s) for s in out_size)
    M = crop_matrix(bbox_center, bbox_scale, (W, H), rotation)
    src = np.eye(2, 3) if src_matrix is None else src_matrix
    warp = (to_3x3(M) @ np.linalg.inv(to_3x3(src)))[:2]
    crop = cv2.warpAffine(image, warp, (W, H), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT,
                          borderValue=(0, 0, 0))
    return crop, M
