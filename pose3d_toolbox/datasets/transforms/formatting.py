"""Target generation and packing: the last two steps of every pipeline."""
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from pose3d_toolbox.codecs import (BONE_DATA_KEYS, GT_ROOT_DEPTH, HEATMAPS,
                                   HEMLETS_TRIPLETS, HEMLETS_WEIGHT,
                                   KEYPOINTS_2D_TARGET, KEYPOINTS_3D_TARGET,
                                   LIFTING_INPUT, LIFTING_TARGET,
                                   PART_DEPTH_STATES, ROOT_2D,
                                   TARGET_WEIGHT)
from pose3d_toolbox.registry import KEYPOINT_CODECS, TRANSFORMS
from pose3d_toolbox.structures import make_data_sample, make_data_samples


@TRANSFORMS.register_module()
class GenerateTarget(BaseTransform):
    """Add the codec's encoded inputs and targets to the sample.

    Args:
        codec: codec config, or a list of codec configs whose targets a
            head trains on together (HEMlets: the triplet / 2D heatmap
            codec and the integral 3D codec); each must equal the model's
            codec of the same type (configs define it once and pass the
            same dict to both). A key two codecs both write (e.g.
            ``target_weight``) must come out equal, else the codecs
            disagree (sizes, skeletons) and an error names the key.
    """

    def __init__(self, codec: Union[Dict, Sequence[Dict]]):
        cfgs = [codec] if isinstance(codec, dict) else list(codec)
        if not cfgs:
            raise ValueError('GenerateTarget: codec is an empty list; give '
                             'a codec config or a list of them')
        self.codecs = [KEYPOINT_CODECS.build(c) for c in cfgs]

    @property
    def codec(self):
        """The (first) codec."""
        return self.codecs[0]

    def transform(self, results: Dict) -> Dict:
        written = {}
        for codec in self.codecs:
            encoded = codec.encode(results)
            for key, value in encoded.items():
                if key in written and not np.array_equal(
                        np.asarray(written[key][1]), np.asarray(value)):
                    raise ValueError(
                        f'GenerateTarget: codecs {written[key][0]} and '
                        f'{type(codec).__name__} write different {key!r}; '
                        'give them the same input_size, heatmap_size and '
                        'skeleton')
                written[key] = (type(codec).__name__, value)
            results.update(encoded)
        return results

    def transform_batch(self, batch: Dict, draws=None) -> Dict:
        """The batch form: each codec's ``encode_batch`` on the whole batch
        (a lifting batch dict, see ``BaseLiftingDataset.gather_batch``)."""
        for codec in self.codecs:
            batch.update(codec.encode_batch(batch))
        return batch


#: meta keys of every sample, read by decoding, metrics and visualizers.
SAMPLE_META_KEYS = ('img_path', 'subject', 'action', 'camera_id', 'camera',
                    'frame', 'sample_idx', 'skeleton', 'root_index')
#: lifters: decoding an absolute pose needs the input root (AbsPoseCodec).
LIFTING_META_KEYS = SAMPLE_META_KEYS + (ROOT_2D, )
#: image models: decoding maps heatmap pixels back through the crop (and,
#: for 3D under the Protocol #1 convention, reads the ground-truth root
#: depth).
TOPDOWN_META_KEYS = SAMPLE_META_KEYS + ('crop_matrix', 'bbox_center',
                                        'bbox_scale', 'flipped',
                                        'input_size', GT_ROOT_DEPTH)
#: targets of the heatmap, integral 3D and HEMlets codecs and the labels of
#: mixed 2D/3D data; a sample's missing keys are skipped.
TOPDOWN_DATA_KEYS = (HEATMAPS, KEYPOINTS_2D_TARGET, KEYPOINTS_3D_TARGET,
                     TARGET_WEIGHT, HEMLETS_TRIPLETS, HEMLETS_WEIGHT,
                     PART_DEPTH_STATES, 'keypoints_valid', 'has_3d')

#: What :class:`PackPoseInputs` packs for each kind of model: ``preset`` ->
#: ``(input_key, data_keys, meta_keys)``.
PACK_PRESETS = dict(
    lifting=(LIFTING_INPUT, (LIFTING_TARGET, TARGET_WEIGHT),
             LIFTING_META_KEYS),
    bone=(LIFTING_INPUT, BONE_DATA_KEYS, LIFTING_META_KEYS),
    topdown=('img', TOPDOWN_DATA_KEYS, TOPDOWN_META_KEYS))


@TRANSFORMS.register_module()
class PackPoseInputs(BaseTransform):
    """Pack a sample into ``dict(inputs=Tensor, data_samples=PoseDataSample)``.

    ``inputs`` is the sample's ``input_key``: the codec's ``lifting_input``
    or, for image models, ``img`` (``(H, W, 3)`` -> ``(3, H, W)``). Ground
    truth of the target frame goes into data fields, the listed
    ``meta_keys`` into metainfo; keys a sample lacks are skipped.

    Args:
        preset: the keys of one kind of model (:data:`PACK_PRESETS`):
            ``'lifting'`` (:class:`~pose3d_toolbox.codecs.PoseLiftingCodec`
            and the like), ``'bone'`` (Anatomy3D's
            :data:`~pose3d_toolbox.codecs.BONE_DATA_KEYS`) or ``'topdown'``
            (image models: ``img``, heatmap targets, crop geometry), so
            configs name the preset instead of retyping key lists.
        input_key: key of the network input; ``None``: the preset's.
        data_keys: sample keys copied into data fields; ``keypoints_3d``,
            ``keypoints_2d`` and ``visibility`` are always taken at
            ``target_index`` and stored as ``gt_keypoints_3d`` etc.
            ``None``: the preset's.
        meta_keys: sample keys copied into metainfo; ``None``: the
            preset's.
    """

    TARGET_FRAME_KEYS = ('keypoints_3d', 'keypoints_2d', 'visibility')

    def __init__(self, preset: str = 'lifting',
                 input_key: Optional[str] = None,
                 data_keys: Optional[Sequence[str]] = None,
                 meta_keys: Optional[Sequence[str]] = None):
        if preset not in PACK_PRESETS:
            raise KeyError(f'PackPoseInputs: unknown preset {preset!r}; '
                           f'choose from {sorted(PACK_PRESETS)}')
        default_input, default_data, default_meta = PACK_PRESETS[preset]
        self.input_key = default_input if input_key is None else input_key
        self.data_keys = tuple(default_data if data_keys is None
                               else data_keys)
        self.meta_keys = tuple(default_meta if meta_keys is None
                               else meta_keys)

    def transform(self, results: Dict) -> Dict:
        if self.input_key not in results:
            raise KeyError(f'PackPoseInputs: the sample has no '
                           f'{self.input_key!r}; add GenerateTarget (or the '
                           'transform producing it) before PackPoseInputs')
        inputs = np.ascontiguousarray(results[self.input_key])
        if self.input_key == 'img':
            inputs = inputs.transpose(2, 0, 1)
        t = results.get('target_index', 0)
        data = {f'gt_{key}': np.asarray(results[key])[t]
                for key in self.TARGET_FRAME_KEYS if key in results}
        data.update({key: np.asarray(results[key])
                     for key in self.data_keys if key in results})
        sample = make_data_sample(
            {k: results[k] for k in self.meta_keys if k in results}, data)
        return dict(inputs=torch.from_numpy(inputs), data_samples=sample)

    def transform_batch(self, batch: Dict, draws=None) -> list:
        """The batch form: the list of ``N`` packed samples, equal to
        packing each sample of the batch; the inputs are views of one
        tensor and the data fields views of the batch arrays. Lifting
        batches only (no ``img``)."""
        if self.input_key not in batch:
            raise KeyError(f'PackPoseInputs: the batch has no '
                           f'{self.input_key!r}; add GenerateTarget (or the '
                           'transform producing it) before PackPoseInputs')
        if self.input_key == 'img':
            raise ValueError('PackPoseInputs.transform_batch packs lifting '
                             'batches; image samples are packed one by one')
        inputs = torch.from_numpy(np.ascontiguousarray(batch[self.input_key]))
        t = batch.get('target_index', 0)
        columns = {f'gt_{key}': np.asarray(batch[key])[:, t]
                   for key in self.TARGET_FRAME_KEYS if key in batch}
        columns.update({key: np.asarray(batch[key])
                        for key in self.data_keys if key in batch})
        shared = {k: batch[k] for k in ('skeleton', 'root_index')
                  if k in self.meta_keys and k in batch}
        meta = {k: batch[k].tolist() if isinstance(batch[k], np.ndarray)
                and batch[k].ndim == 1 else batch[k]
                for k in self.meta_keys if k in batch and k not in shared}
        samples = make_data_samples(meta, columns, shared)
        return [dict(inputs=x, data_samples=sample)
                for x, sample in zip(inputs.unbind(0), samples)]
