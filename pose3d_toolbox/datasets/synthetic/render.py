"""Fast numpy rasteriser of the capsule body (:mod:`.visibility`) into crops.

Each capsule is drawn only inside its projected bounding box. Its image is
approximated by a tapered 2D capsule: the segment between the projected
ends, with the radius ``f * r / z`` of each end interpolated between them
(exact for spheres seen head-on, within a few percent elsewhere at
human-to-camera distances). For a pixel at 2D distance ``d`` from the
projected axis, where the tapered radius is ``rho``, the surface point's
depth is ``z_axis - r * sqrt(1 - (d / rho)^2)`` and its normal
``(dx / rho, dy / rho, -sqrt(1 - (d / rho)^2))``; a z-buffer keeps the
nearest surface. Shading is Lambertian plus a weak specular term under one
random directional light.

Pixel convention (OpenCV/MMPose): pixel ``(row, col)`` has its centre at
``(u, v) = (col, row)``, so a keypoint at ``(u, v)`` lies in
``image[round(v), round(u)]``. Projection uses
:func:`pose3d_toolbox.utils.camera.camera_to_pixel` without distortion (the
renderer is a pinhole camera).

Example:
    >>> import numpy as np
    >>> from pose3d_toolbox.utils import world_to_camera
    >>> from pose3d_toolbox.datasets.synthetic import (h36m_like_rig,
    ...     render_person, t_pose)
    >>> cam = h36m_like_rig()[0]
    >>> pts = world_to_camera(t_pose(), cam['R'], cam['T'])
    >>> out = render_person(pts, cam, rng=np.random.default_rng(0))
    >>> out.image.shape, out.image.dtype, out.keypoints.shape
    ((256, 256, 3), dtype('uint8'), (17, 2))
"""
import colorsys
import json
import os
import os.path as osp
from dataclasses import dataclass
from typing import Optional

import numpy as np

from pose3d_toolbox.geometry import (apply_affine, bbox_from_keypoints,
                                     crop_matrix)
from pose3d_toolbox.utils.atomic import atomic_write
from pose3d_toolbox.utils.camera import camera_to_pixel
from .visibility import BODY, PARTS

#: Hue ranges (HSV, in turns) of the two sides' limbs: left limbs bluish,
#: right limbs reddish, so a network can tell them apart.
SIDE_HUES = dict(left=(0.52, 0.68), right=(-0.05, 0.03))
BACKGROUNDS = ('noise', 'gradient', 'rects', 'mix')
_NEAR = 1e-3  # capsule ends closer to the camera plane (metres) are skipped


@dataclass
class RenderedPerson:
    """One rendered crop.

    Attributes:
        image: ``(H, W, 3)`` uint8 RGB.
        keypoints: ``(J, 2)`` float32 joint projections in crop pixels.
        labels: ``(H, W)`` int16 capsule index of each pixel (into the
            body's capsule table), -1 for background.
        matrix: ``(2, 3)`` affine from full-image pixels to crop pixels.
    """
    image: np.ndarray
    keypoints: np.ndarray
    labels: np.ndarray
    matrix: np.ndarray


def _hsv(h, s, v):
    return np.array(colorsys.hsv_to_rgb(h % 1.0, s, v))


def random_palette(rng, body=BODY):
    """``(C, 3)`` float colours in ``[0, 1]`` per capsule: one colour per
    part (left limbs from :data:`SIDE_HUES` ``left``, right limbs from
    ``right``, a random cloth colour for the torso, a skin tone for the
    head), each capsule jittered slightly in brightness."""
    part_colour = {}
    for side in ('left', 'right'):
        hue = rng.uniform(*SIDE_HUES[side])
        for limb in ('arm', 'leg'):
            part_colour[f'{side}_{limb}'] = _hsv(
                hue + rng.uniform(-0.02, 0.02), rng.uniform(0.55, 0.9),
                rng.uniform(0.6, 0.95))
    part_colour['torso'] = _hsv(rng.uniform(0, 1), rng.uniform(0.0, 0.5),
                                rng.uniform(0.35, 0.95))
    part_colour['head'] = _hsv(rng.uniform(0.03, 0.1), rng.uniform(0.25, 0.6),
                               rng.uniform(0.45, 0.95))
    palette = np.stack([part_colour[PARTS[p]] for p in body.parts])
    return palette * rng.uniform(0.92, 1.08, (len(palette), 1))


_NOISE_TILE = {}
_UPSAMPLE = {}


def _noise_tile(rng, H, W):
    """``(H, W, 1)`` unit-variance noise: a window of a fixed tile at an
    offset drawn from ``rng`` (generating fresh noise per image would cost
    more than the rest of the rendering)."""
    size = max(512, 2 * H, 2 * W)
    if size not in _NOISE_TILE:
        _NOISE_TILE[size] = np.random.default_rng(0).standard_normal(
            (size, size, 1)).astype(np.float32)
    tile = _NOISE_TILE[size]
    y, x = rng.integers(0, size - H), rng.integers(0, size - W)
    return tile[y:y + H, x:x + W]


def _upsample_matrix(n_out, n_in):
    """``(n_out, n_in)`` linear interpolation weights."""
    key = (n_out, n_in)
    if key not in _UPSAMPLE:
        pos = np.linspace(0, n_in - 1, n_out)
        lo = np.minimum(pos.astype(int), n_in - 2)
        frac = pos - lo
        m = np.zeros((n_out, n_in), np.float32)
        m[np.arange(n_out), lo] = 1 - frac
        m[np.arange(n_out), lo + 1] = frac
        _UPSAMPLE[key] = m
    return _UPSAMPLE[key]


def random_background(rng, size, kind='random'):
    """``(H, W, 3)`` float32 background in ``[0, 1]``.

    Args:
        size: ``(W, H)``.
        kind: one of :data:`BACKGROUNDS` (smooth colour noise, a linear
            gradient, random rectangles, or all three mixed) or
            ``'random'``.
    """
    W, H = size
    if kind == 'random':
        kind = BACKGROUNDS[rng.integers(len(BACKGROUNDS))]
    if kind not in BACKGROUNDS:
        raise ValueError(f'random_background: unknown kind {kind!r}; use one '
                         f'of {BACKGROUNDS} or "random"')
    ys = np.arange(H, dtype=np.float32)[:, None, None] / max(H - 1, 1)
    xs = np.arange(W, dtype=np.float32)[None, :, None] / max(W - 1, 1)
    if kind in ('gradient', 'mix'):
        a = rng.uniform(0, 2 * np.pi)
        # python floats keep the float32 arrays float32 (NumPy 2 promotes
        # float32 arrays with float64 scalars to float64)
        t = xs * float(np.cos(a)) + ys * float(np.sin(a))
        t = (t - t.min()) * (1 / max(float(t.max() - t.min()), 1e-6))
        c0, c1 = rng.uniform(0, 1, (2, 3)).astype(np.float32)
        img = c0 + t * (c1 - c0)
    else:
        img = np.empty((H, W, 3), np.float32)
        img[:] = rng.uniform(0, 1, 3)
    if kind in ('noise', 'mix'):
        gh, gw = rng.integers(3, 12, 2)
        grid = rng.uniform(0, 1, (gh, gw, 3)).astype(np.float32)
        smooth = np.matmul(_upsample_matrix(W, gw)[None], (
            _upsample_matrix(H, gh) @ grid.reshape(gh, -1)).reshape(H, gw, 3))
        mix = 1.0 if kind == 'noise' else rng.uniform(0.2, 0.6)
        img = img * (1 - mix) + smooth * mix
    if kind in ('rects', 'mix'):
        for _ in range(rng.integers(3, 15)):
            x0, x1 = np.sort(rng.integers(0, W + 1, 2))
            y0, y1 = np.sort(rng.integers(0, H + 1, 2))
            img[y0:y1, x0:x1] = rng.uniform(0, 1, 3)
    return img


def render_person(keypoints_3d, camera, bbox_center=None, bbox_scale=None,
                  out_size=(256, 256), rng=None, background='random',
                  matrix=None, padding=1.15, body=BODY, radius_scale='auto',
                  gain=(0.8, 1.15), bias=(-0.08, 0.08), noise_std=(0.0, 0.04)):
    """Render the capsule body of one pose into a crop.

    Args:
        keypoints_3d: ``(J, 3)`` joints in camera coordinates, metres.
        camera: camera dict; only ``f`` and ``c`` are used.
        bbox_center, bbox_scale: the crop's box in full-image pixels
            (centre, (w, h)); by default the box around the drawn body
            enlarged by ``padding``. Ignored when ``matrix`` is given.
        out_size: ``(W, H)`` of the crop.
        rng: ``np.random.Generator`` for colours, light, background and
            noise; the same seed gives the same image.
        background: ``'random'``, a kind of :func:`random_background`, an
            ``(H, W, 3)`` uint8 image or an RGB triple in ``[0, 255]``.
        matrix: ``(2, 3)`` affine from full-image pixels to crop pixels (e.g.
            from :func:`crop_matrix` with a rotation); overrides the box.
        body: capsule body (:data:`BODY`).
        radius_scale: ``'auto'`` or a factor, see
            :meth:`CapsuleBody.radius_scale`.
        gain, bias: ranges of the whole image's random contrast factor and
            brightness offset (fraction of full scale).
        noise_std: range of the per-image standard deviation of the pixel
            noise (fraction of full scale). ``(0, 0)`` for all three leaves
            a given ``background`` untouched.

    Returns:
        :class:`RenderedPerson`.
    """
    rng = np.random.default_rng() if rng is None else rng
    W, H = out_size
    pts = np.asarray(keypoints_3d, np.float64)
    if pts.shape != (body.ends.shape[2], 3):
        raise ValueError(f'render_person: keypoints_3d has shape {pts.shape}'
                         f', expected ({body.ends.shape[2]}, 3) camera '
                         'coordinates in the H36M-17 order')
    f = np.asarray(camera['f'], np.float64).reshape(2)
    c = np.asarray(camera['c'], np.float64).reshape(2)
    # capsules in full-image pixels: projected ends, pixel radii, depths
    scale = body.radius_scale(pts[None], radius_scale)
    radii = body.radii * scale
    ends = np.stack(body.endpoints(pts))                     # (2, C, 3)
    z = ends[..., 2]
    ok = (z > _NEAR).all(0)
    ends_px = camera_to_pixel(np.where(z[..., None] > _NEAR, ends, 1.0), f,
                              c)                               # (2, C, 2)
    rad_px = np.sqrt(f[0] * f[1]) * radii / np.maximum(z, _NEAR)  # (2, C)

    if matrix is None:
        if bbox_center is None or bbox_scale is None:
            # box around the drawn body (capsule ends +- radii)
            extent = ends_px[:, ok].reshape(-1, 2)
            extent = np.concatenate([extent - rad_px[:, ok].reshape(-1, 1),
                                     extent + rad_px[:, ok].reshape(-1, 1)])
            bbox_center, bbox_scale = bbox_from_keypoints(extent, padding,
                                                          W / H)
        matrix = crop_matrix(bbox_center, bbox_scale, out_size)
    matrix = np.asarray(matrix, np.float64)
    keypoints = apply_affine(matrix, camera_to_pixel(pts, f, c)).astype(
        np.float32)
    ends_px = apply_affine(matrix, ends_px)
    rad_px = rad_px * np.sqrt(abs(np.linalg.det(matrix[:, :2])))

    # light: a direction towards the camera side, ambient and specular
    light = np.array([rng.uniform(-1, 1), rng.uniform(-1, 0.6),
                      -rng.uniform(0.3, 1.2)])
    light /= np.linalg.norm(light)
    half = light + np.array([0.0, 0.0, -1.0])
    light, half = light.tolist(), (half / np.linalg.norm(half)).tolist()
    ambient = rng.uniform(0.25, 0.5)
    diffuse = 1.0 - ambient + rng.uniform(-0.1, 0.2)
    specular = rng.uniform(0.0, 0.35)

    zbuf = np.full((H, W), np.inf, np.float32)
    shade = np.zeros((H, W), np.float32)
    labels = np.full((H, W), -1, np.int16)
    for ci in np.flatnonzero(ok):
        _raster_capsule(ci, ends_px[:, ci], rad_px[:, ci], z[:, ci],
                        radii[ci], light, half, ambient, diffuse, specular,
                        zbuf, shade, labels)

    # colours: only foreground pixels are shaded; then global gain, bias
    # and pixel noise, in place on the float32 image
    palette = random_palette(rng, body) * rng.uniform(0.9, 1.1, 3)
    if isinstance(background, str):
        img = random_background(rng, out_size, background)
    else:
        img = np.empty((H, W, 3), np.float32)
        img[:] = np.asarray(background, np.float32) / 255.0
    fg = np.flatnonzero(labels >= 0)
    img.reshape(-1, 3)[fg] = palette.astype(np.float32)[
        labels.ravel()[fg]] * shade.ravel()[fg, None]
    img *= rng.uniform(*gain) * 255
    img += rng.uniform(*bias) * 255 + 0.5
    img += (rng.uniform(*noise_std) * 255) * _noise_tile(rng, H, W)
    image = np.clip(img, 0, 255, out=img).astype(np.uint8)
    return RenderedPerson(image, keypoints, labels, matrix)


def _raster_capsule(ci, ends, rad, z, radius, light, half, ambient, diffuse,
                    specular, zbuf, shade, labels):
    """Draw capsule ``ci`` (ends ``(2, 2)`` px, end radii ``(2,)`` px, end
    depths ``(2,)`` m, ``radius`` m) into the buffers where it is nearest."""
    H, W = zbuf.shape
    (ax, ay), (bx, by) = ends
    reach = rad.max()
    x0 = max(int(np.floor(min(ax, bx) - reach)), 0)
    x1 = min(int(np.ceil(max(ax, bx) + reach)) + 1, W)
    y0 = max(int(np.floor(min(ay, by) - reach)), 0)
    y1 = min(int(np.ceil(max(ay, by) + reach)) + 1, H)
    if x0 >= x1 or y0 >= y1:
        return
    dx = np.arange(x0 - ax, x1 - ax, dtype=np.float32)[None, :]
    dy = np.arange(y0 - ay, y1 - ay, dtype=np.float32)[:, None]
    ex, ey = np.float32(bx - ax), np.float32(by - ay)
    length2 = ex * ex + ey * ey
    if length2 > 1e-6:
        s = np.clip((dx * ex + dy * ey) * (1 / length2), 0, 1)
        px, py = dx - s * ex, dy - s * ey
        rho = np.float32(rad[0]) + s * np.float32(rad[1] - rad[0])
        depth = np.float32(z[0]) + s * np.float32(z[1] - z[0])
    else:  # seen end-on or a sphere
        px, py = np.broadcast_arrays(dx, dy)
        rho, depth = np.float32(rad.max()), np.float32(z.min())
    inv = 1 / rho
    nx, ny = px * inv, py * inv
    nz2 = 1 - nx * nx - ny * ny
    inside = nz2 > 0
    if not inside.any():
        return
    nz = -np.sqrt(np.maximum(nz2, 0))
    depth = depth + np.float32(radius) * nz
    zsub = zbuf[y0:y1, x0:x1]
    upd = inside & (depth < zsub)
    lam = np.maximum(nx * light[0] + ny * light[1] + nz * light[2], 0)
    spec = np.maximum(nx * half[0] + ny * half[1] + nz * half[2], 0)
    spec = spec * spec
    spec = spec * spec
    spec = spec * spec  # ^8
    value = ambient + diffuse * lam + specular * spec
    np.copyto(zsub, depth, where=upd)
    np.copyto(shade[y0:y1, x0:x1], value, where=upd)
    np.copyto(labels[y0:y1, x0:x1], np.int16(ci), where=upd)


def _sample_rng(seed, index):
    return np.random.default_rng([seed, index])


def render_sample(sample, index, seed=0, **render_kwargs):
    """Render ``sample`` with an rng determined by ``(seed, index)`` alone,
    so a sample renders the same in any order or worker.

    ``sample`` is a dict with ``keypoints_3d`` (``(J, 3)`` camera
    coordinates), ``camera`` and optionally ``bbox_center`` and
    ``bbox_scale``.
    """
    return render_person(sample['keypoints_3d'], sample['camera'],
                         sample.get('bbox_center'), sample.get('bbox_scale'),
                         rng=_sample_rng(seed, index), **render_kwargs)


#: Environment variable naming the toolbox's cache folder (render caches
#: go to its ``renders`` subfolder).
CACHE_DIR_ENV = 'POSE3D_CACHE_DIR'


def user_cache_dir(*parts: str) -> str:
    """The toolbox's cache folder joined with ``parts``.

    ``$POSE3D_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/pose3d_toolbox``,
    else ``~/.cache/pose3d_toolbox``: outside the source tree, so a checkout
    stays clean and several checkouts share one cache.
    """
    root = os.environ.get(CACHE_DIR_ENV)
    if not root:
        xdg = os.environ.get('XDG_CACHE_HOME') or osp.join('~', '.cache')
        root = osp.join(xdg, 'pose3d_toolbox')
    return osp.join(osp.expanduser(root), *parts)


def render_cache_dir(cache_dir) -> Optional[str]:
    """Where a dataset's ``cache_dir`` option puts its render caches.

    ``None`` / ``False``: no cache (render on request); ``True``: the user
    cache, :func:`user_cache_dir` ``('renders')``; a path: that folder
    (``~`` expanded).
    """
    if cache_dir is None or cache_dir is False:
        return None
    if cache_dir is True:
        return user_cache_dir('renders')
    if not isinstance(cache_dir, (str, os.PathLike)):
        raise TypeError(f'cache_dir must be None, True (the user cache, '
                        f'${CACHE_DIR_ENV}/renders or '
                        f'~/.cache/pose3d_toolbox/renders) or a folder, got '
                        f'{cache_dir!r}')
    return osp.expanduser(str(cache_dir))


class RenderCache:
    """Rendered crops on disk, keyed by sample index.

    ``root`` holds ``images.npy`` (``(N, H, W, 3)`` uint8), ``keypoints.npy``
    (``(N, J, 2)`` float32) and ``rendered.npy`` (``(N,)`` bool), all memory
    mapped, so data-loader workers share one copy through the page cache, and
    ``meta.json``. Samples are rendered on first request
    (:meth:`get_or_render`) or all at once (:func:`prerender`). Writes to
    different indices from several processes are safe; two processes
    rendering the same index write the same bytes.

    Args:
        root: directory of the cache.
        num_samples, out_size, num_joints, seed: layout; needed to create
            the cache, checked against ``meta.json`` when it exists.
    """

    def __init__(self, root, num_samples=None, out_size=(256, 256),
                 num_joints=17, seed=0):
        self.root = root
        meta_path = os.path.join(root, 'meta.json')
        meta = dict(num_samples=num_samples, out_size=list(out_size),
                    num_joints=num_joints, seed=seed)
        if os.path.exists(meta_path):
            with open(meta_path) as fh:
                stored = json.load(fh)
            if num_samples is not None and stored != meta:
                raise ValueError(
                    f'RenderCache: {meta_path} describes {stored}, but '
                    f'{meta} was asked for; delete {root} to re-render')
            meta, mode = stored, 'r+'
        else:
            if num_samples is None:
                raise FileNotFoundError(
                    f'RenderCache: no cache at {root} ({meta_path} is '
                    'missing); pass num_samples to create one')
            os.makedirs(root, exist_ok=True)
            mode = 'w+'
        n, (W, H), J = meta['num_samples'], meta['out_size'], meta[
            'num_joints']
        self.meta = meta
        self.seed = meta['seed']
        self.out_size = (W, H)
        self.images = self._open('images.npy', mode, np.uint8, (n, H, W, 3))
        self.keypoints = self._open('keypoints.npy', mode, np.float32,
                                    (n, J, 2))
        self.rendered = self._open('rendered.npy', mode, np.bool_, (n, ))
        if mode == 'w+':
            # meta last: a cache without it is incomplete and gets rebuilt
            with atomic_write(meta_path) as fh:
                json.dump(meta, fh)

    def _open(self, name, mode, dtype, shape):
        return np.lib.format.open_memmap(
            os.path.join(self.root, name), mode=mode, dtype=dtype,
            shape=shape if mode == 'w+' else None)

    def __len__(self):
        return len(self.rendered)

    def __contains__(self, index):
        return bool(self.rendered[index])

    def __getitem__(self, index):
        """``(image, keypoints)`` of a rendered sample."""
        if not self.rendered[index]:
            raise KeyError(f'RenderCache {self.root}: sample {index} is not '
                           'rendered yet; use get_or_render or prerender')
        return np.asarray(self.images[index]), np.asarray(
            self.keypoints[index])

    def put(self, index, image, keypoints):
        self.images[index] = image
        self.keypoints[index] = keypoints
        self.rendered[index] = True

    def get_or_render(self, index, sample, **render_kwargs):
        """The cached ``(image, keypoints)`` of ``index``, rendering
        ``sample`` (see :func:`render_sample`) on the first request."""
        if not self.rendered[index]:
            out = render_sample(sample, index, self.seed,
                                out_size=self.out_size, **render_kwargs)
            self.put(index, out.image, out.keypoints)
        return self[index]

    def flush(self):
        for arr in (self.images, self.keypoints, self.rendered):
            arr.flush()


def prerender(root, samples, out_size=(256, 256), seed=0, **render_kwargs):
    """Render every sample of ``samples`` (dicts as for
    :func:`render_sample`) into a :class:`RenderCache` at ``root``; samples
    already rendered there are skipped. Returns the cache."""
    samples = list(samples)
    num_joints = len(samples[0]['keypoints_3d']) if samples else 17
    cache = RenderCache(root, len(samples), out_size, num_joints, seed)
    for index, sample in enumerate(samples):
        cache.get_or_render(index, sample, **render_kwargs)
    cache.flush()
    return cache
