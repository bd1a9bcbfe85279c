"""Rendered RGB crops of the embedded CMU mocap data, for image models.

:class:`CMUMocapImageDataset` is :class:`CMUMocapDataset` (the same takes,
virtual camera rigs and subject splits) with ``seq_len = 1``, whose samples
also carry an RGB crop of the capsule body (:mod:`.synthetic.render`) around
the person. The crop's box is the 2D keypoints' box enlarged by
``bbox_padding`` to the crop's aspect ratio.

The appearance (colours, light, background, noise) of a sample is drawn from
an rng seeded by ``(seed, render index)`` alone, where the render index
numbers the ``(video, frame)`` targets of the dataset before any subset
(``subset_frac``, ``max_samples``, ``indices``, :meth:`get_subset`). A
sample therefore renders the same in every build, worker and order, and a
test set is fixed.

Rendering costs about 5 ms per 256 x 256 crop; with ``cache_dir`` every crop
is rendered once into a :class:`~.synthetic.render.RenderCache` (memory
mapped ``.npy`` files that data-loader workers share) in a subfolder named
after a fingerprint of the options that change the images. ``cache_dir=True``
puts it in the user cache (``$POSE3D_CACHE_DIR/renders``, by default
``~/.cache/pose3d_toolbox/renders``), never in the source tree.

Example:
    >>> from pose3d_toolbox.datasets.cmu_image import CMUMocapImageDataset
    >>> ds = CMUMocapImageDataset(split='test', takes=['02_01'], step=10)
    >>> info = ds.get_data_info(0)
    >>> info['img'].shape, info['img'].dtype, info['keypoints_2d_crop'].shape
    ((256, 256, 3), dtype('uint8'), (17, 2))
"""
import hashlib
import json
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset.base_dataset import force_full_init

from pose3d_toolbox.registry import DATASETS
from .cmu_mocap import CMUMocapDataset
from .synthetic import (RenderCache, RenderedPerson, bbox_from_keypoints,
                        crop_matrix, render_cache_dir, render_sample)

#: Keys that :meth:`CMUMocapImageDataset.get_data_info` adds to
#: :data:`~.base_lifting.SAMPLE_KEYS`.
IMAGE_KEYS = ('img', 'img_shape', 'input_size', 'bbox_center', 'bbox_scale',
              'crop_matrix', 'keypoints_2d_crop', 'render_index', 'has_3d')


@DATASETS.register_module()
class CMUMocapImageDataset(CMUMocapDataset):
    """Single CMU mocap frames with a rendered RGB crop of the person.

    Args:
        input_size: ``(W, H)`` of the crop.
        bbox_padding: the box around the 2D keypoints is enlarged by this
            factor (then to the crop's aspect ratio); the capsule body
            reaches beyond the joints (head, hands, limb radii), so keep it
            above about 1.15.
        cache_dir: ``True`` for the user cache folder
            (:func:`~.synthetic.render.user_cache_dir`: ``$POSE3D_CACHE_DIR
            /renders``, else ``~/.cache/pose3d_toolbox/renders``), a folder
            of your choice, or ``None`` to render every sample on request.
        render_cfg: extra keyword arguments of
            :func:`~.synthetic.render.render_person` (``background``,
            ``gain``, ``bias``, ``noise_std``, ``radius_scale``, ...).
        step: use every ``step``-th frame of each video (e.g. 10 for tests).
        seed: seeds the random rigs (as in :class:`CMUMocapDataset`) and the
            appearance of every sample.
        render_margin: the crop covers the person's box enlarged by this
            factor (``bbox_scale`` stays the person's box), leaving room
            for the zoom-out and rotation of a top-down pipeline's
            augmentation (:class:`~.transforms.TopdownAffine` crops the box
            out of the rendered crop through ``crop_matrix``).
        with_3d: if False the sample is 2D-only (for mixed 2D/3D training):
            ``keypoints_3d`` is removed and ``has_3d`` is False.
        **kwargs: :class:`CMUMocapDataset` options (``split``, ``rig``,
            ``takes``, ``visibility``, ...). ``seq_len`` must be 1.

    ``get_data_info(idx)`` returns the :class:`CMUMocapDataset` sample
    (``keypoints_2d`` ``(1, J, 2)`` full-image pixels, ``keypoints_3d``
    ``(1, J, 3)`` camera space, ``visibility`` ``(1, J)``, ``camera``, ...)
    plus :data:`IMAGE_KEYS`:

    - ``img``: ``(H, W, 3)`` uint8 RGB crop (a fresh array, safe to modify);
    - ``img_shape``: ``(H, W)``; ``input_size``: ``(W, H)``;
    - ``bbox_center`` ``(2,)`` and ``bbox_scale`` ``(2,)`` (w, h) float32,
      the box in full-image pixels;
    - ``crop_matrix``: ``(2, 3)`` float32 affine, full-image pixels to crop
      pixels;
    - ``keypoints_2d_crop``: ``(J, 2)`` float32, the target frame's
      keypoints in crop pixels (``crop_matrix`` applied to
      ``keypoints_2d[0]``);
    - ``render_index``: the index seeding the sample's appearance (and its
      row in the render cache);
    - ``has_3d``: whether ``keypoints_3d`` is present (``with_3d``).
    """

    METAINFO: dict = dict(dataset_name='cmu_mocap_image')

    def __init__(self, input_size: Sequence[int] = (256, 256),
                 bbox_padding: float = 1.25,
                 cache_dir: Union[None, bool, str] = None,
                 render_cfg: Optional[Dict] = None,
                 render_margin: float = 1.0, with_3d: bool = True,
                 **kwargs):
        name = type(self).__name__
        if kwargs.get('seq_len', 1) != 1:
            raise ValueError(f'{name}: samples are single frames; seq_len '
                             f'must be 1, got {kwargs["seq_len"]!r}')
        size = tuple(int(s) for s in input_size)
        if len(size) != 2 or min(size) < 1:
            raise ValueError(f'{name}: input_size must be (W, H) positive '
                             f'integers, got {input_size!r}')
        if not bbox_padding > 0:
            raise ValueError(f'{name}: bbox_padding must be > 0, got '
                             f'{bbox_padding!r}')
        render_cfg = dict(render_cfg or {})
        for key in ('out_size', 'rng', 'bbox_center', 'bbox_scale',
                    'matrix'):
            if key in render_cfg:
                raise ValueError(f'{name}: render_cfg may not set {key!r}; '
                                 'the dataset sets it')
        self.input_size: Tuple[int, int] = size
        self.bbox_padding = float(bbox_padding)
        if not render_margin >= 1:
            raise ValueError(f'{name}: render_margin must be >= 1, got '
                             f'{render_margin!r}')
        self.render_margin = float(render_margin)
        self.with_3d = bool(with_3d)
        self.render_cfg = render_cfg
        self.cache_dir = render_cache_dir(cache_dir)
        self._cache: Optional[RenderCache] = None
        self._render_starts = np.zeros(0, np.int64)
        self.num_render_indices = 0
        super().__init__(**kwargs)

    # ------------------------------------------------------------ building
    def full_init(self):
        if self._fully_initialized:
            return
        super().full_init()
        # Targets of a video are frames 0, step, 2 step, ... (seq_len = 1
        # pads nothing), so (video, frame) -> start[video] + frame // step.
        counts = np.array([-(-v['num_frames'] // self.step)
                           for v in self._videos], np.int64)
        self._render_starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.num_render_indices = int(counts.sum())
        if self.cache_dir is not None:
            self._open_cache()  # here, before workers fork

    @property
    def cache_root(self) -> Optional[str]:
        """Folder of this dataset's render cache (``None`` without one)."""
        if self.cache_dir is None:
            return None
        return osp.join(self.cache_dir,
                        f'{type(self).__name__}-{self.fingerprint()}')

    def fingerprint(self) -> str:
        """Hash of the options that determine the rendered crops."""
        desc = dict(subjects=list(self.subjects),
                    takes=None if self.takes is None else sorted(self.takes),
                    rig=self.rig, rig_cfg=self.rig_cfg, seed=self.seed,
                    step=self.step, input_size=list(self.input_size),
                    bbox_padding=self.bbox_padding,
                    render_cfg=self.render_cfg,
                    data_file=None if self.data_file is None else
                    osp.abspath(str(self.data_file)))
        if self.render_margin != 1.0:  # older caches keep their names
            desc['render_margin'] = self.render_margin
        text = json.dumps(desc, sort_keys=True, default=repr)
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    def _open_cache(self) -> RenderCache:
        if self._cache is None:
            self._cache = RenderCache(
                self.cache_root, self.num_render_indices, self.input_size,
                self.skeleton.num_joints, self.seed)
        return self._cache

    @property
    def cache(self) -> Optional[RenderCache]:
        """The :class:`RenderCache` (``None`` without ``cache_dir``)."""
        if self.cache_dir is None:
            return None
        self.full_init()
        return self._open_cache()

    def __getstate__(self):
        # memory maps are reopened in the receiving process, not pickled
        state = self.__dict__.copy()
        state['_cache'] = None
        return state

    # ------------------------------------------------------------- access
    @force_full_init
    def render_index(self, idx: int) -> int:
        """The render index (appearance seed, cache row) of sample ``idx``."""
        vi, frame = self._targets[idx]
        return int(self._render_starts[vi] + frame // self.step)

    def pose_info(self, idx: int) -> dict:
        """The lifting sample of ``idx`` (poses, camera, ...) without its
        image: nothing is rendered."""
        return super().get_data_info(idx)

    def _render_inputs(self, idx: int):
        """``(render index, render_sample dict)`` of sample ``idx``."""
        info = self.pose_info(idx)
        return self.render_index(info['sample_idx']), info

    def _person_box(self, info: dict):
        return bbox_from_keypoints(
            info['keypoints_2d'][info['target_index']], self.bbox_padding,
            self.input_size[0] / self.input_size[1])

    def _crop_sample(self, info: dict) -> dict:
        """What the renderer needs: the pose and the crop's box (the
        person's box times ``render_margin``)."""
        center, scale = self._person_box(info)
        return dict(keypoints_3d=info['keypoints_3d'][info['target_index']],
                    camera=info['camera'], bbox_center=center,
                    bbox_scale=scale * self.render_margin)

    @force_full_init
    def render_crop(self, idx: int) -> RenderedPerson:
        """Render sample ``idx`` afresh (bypassing the cache).

        Returns the :class:`~.synthetic.render.RenderedPerson` (with the
        ``labels`` map of the capsule under each pixel) that
        :meth:`get_data_info` takes its crop from.
        """
        index, info = self._render_inputs(idx)
        return render_sample(self._crop_sample(info), index, self.seed,
                             out_size=self.input_size, **self.render_cfg)

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """The lifting sample of ``idx`` plus :data:`IMAGE_KEYS`."""
        index, info = self._render_inputs(idx)
        sample = self._crop_sample(info)
        if self.cache_dir is not None:
            image, keypoints = self._open_cache().get_or_render(
                index, sample, **self.render_cfg)
            image = np.array(image)  # never hand out the memory map
        else:
            out = render_sample(sample, index, self.seed,
                                out_size=self.input_size, **self.render_cfg)
            image, keypoints = out.image, out.keypoints
        W, H = self.input_size
        matrix = crop_matrix(sample['bbox_center'], sample['bbox_scale'],
                             self.input_size)
        center, scale = self._person_box(info)
        info.update(
            img=image,
            img_shape=(H, W),
            input_size=(W, H),
            bbox_center=center.astype(np.float32),
            bbox_scale=scale.astype(np.float32),
            crop_matrix=matrix.astype(np.float32),
            keypoints_2d_crop=np.asarray(keypoints, np.float32).copy(),
            render_index=index,
            has_3d=self.with_3d)
        if not self.with_3d:
            del info['keypoints_3d']
        return info
