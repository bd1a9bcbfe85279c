"""Target generation and packing: the last two steps of every pipeline."""
from typing import Dict, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from pose3d_toolbox.codecs import LIFTING_INPUT, ROOT_2D
from pose3d_toolbox.registry import KEYPOINT_CODECS, TRANSFORMS
from pose3d_toolbox.structures import PoseDataSample


@TRANSFORMS.register_module()
class GenerateTarget(BaseTransform):
    """Add the codec's encoded inputs and targets to the sample.

    Args:
        codec: codec config; it must equal the model head's codec (configs
            define it once and pass the same dict to both).
    """

    def __init__(self, codec: Dict):
        self.codec = KEYPOINT_CODECS.build(codec)

    def transform(self, results: Dict) -> Dict:
        results.update(self.codec.encode(results))
        return results


@TRANSFORMS.register_module()
class PackPoseInputs(BaseTransform):
    """Pack a sample into ``dict(inputs=Tensor, data_samples=PoseDataSample)``.

    ``inputs`` is the codec's ``lifting_input`` (or ``img`` for image
    models, ``(H, W, 3)`` -> ``(3, H, W)``). Ground truth of the target frame
    goes into data fields, the listed ``meta_keys`` into metainfo.

    Args:
        input_key: key of the network input in the sample.
        data_keys: sample keys copied into data fields; ``keypoints_3d``,
            ``keypoints_2d`` and ``visibility`` are taken at
            ``target_index`` and stored as ``gt_keypoints_3d`` etc.
        meta_keys: sample keys copied into metainfo.
    """

    TARGET_FRAME_KEYS = ('keypoints_3d', 'keypoints_2d', 'visibility')

    def __init__(self, input_key: str = LIFTING_INPUT,
                 data_keys: Sequence[str] = ('lifting_target',
                                             'target_weight'),
                 meta_keys: Sequence[str] = (
                     'img_path', 'subject', 'action', 'camera_id', 'camera',
                     'frame', 'sample_idx', 'skeleton', 'root_index',
                     ROOT_2D)):
        self.input_key = input_key
        self.data_keys = tuple(data_keys)
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: Dict) -> Dict:
        if self.input_key not in results:
            raise KeyError(f'PackPoseInputs: the sample has no '
                           f'{self.input_key!r}; add GenerateTarget (or the '
                           'transform producing it) before PackPoseInputs')
        inputs = np.ascontiguousarray(results[self.input_key])
        if self.input_key == 'img':
            inputs = inputs.transpose(2, 0, 1)
        sample = PoseDataSample(metainfo={
            k: results[k] for k in self.meta_keys if k in results})
        t = results.get('target_index', 0)
        for key in self.TARGET_FRAME_KEYS:
            if key in results:
                sample.set_data({f'gt_{key}': np.asarray(results[key])[t]})
        for key in self.data_keys:
            if key in results:
                sample.set_data({key: np.asarray(results[key])})
        return dict(inputs=torch.from_numpy(inputs), data_samples=sample)
