"""The head contract every head follows (MMPose's ``BaseHead``).

A head owns its codec (built here, from the config) and its skeleton, and
offers three calls:

- ``forward(feats)``: the raw output, in the codec's target space;
- ``loss(feats, data_samples)``: a dict of losses against the targets the
  codec's ``GenerateTarget`` put on the data samples (gathered by
  :func:`stack_field`);
- ``predict(feats, data_samples)``: ``forward`` then :meth:`BaseHead.decode`,
  which decodes through the codec and writes the ``pred_*`` fields with
  :func:`~pose3d_toolbox.structures.write_predictions`.

Estimators that post-process the raw output (the flip test) call
``forward`` and :meth:`BaseHead.decode` themselves.
"""
from abc import ABCMeta, abstractmethod
from typing import Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.model import BaseModule

from pose3d_toolbox.registry import KEYPOINT_CODECS
from pose3d_toolbox.skeletons import Skeleton, get_skeleton
from pose3d_toolbox.structures import write_predictions


def stack_field(data_samples: Union[Sequence, Mapping], key: str,
                like: torch.Tensor) -> torch.Tensor:
    """Stack ``data_samples[i].<key>`` into one tensor with ``like``'s dtype
    and device.

    ``data_samples`` may also be a mapping of fields already stacked (a
    model that stacks its fields once, e.g. ``Anatomy3D.fields``); its
    ``key`` is returned on ``like``'s dtype and device.
    """
    if isinstance(data_samples, Mapping):
        if key not in data_samples:
            raise KeyError(f'the stacked batch has no {key!r} (keys: '
                           f'{sorted(data_samples)})')
        return data_samples[key].to(like)
    values = []
    for sample in data_samples:
        if key not in sample:
            raise KeyError(f'data sample has no {key!r}: add a GenerateTarget '
                           'transform with the model\'s codec to the pipeline')
        values.append(torch.as_tensor(np.asarray(sample.get(key))))
    return torch.stack(values).to(like)


class BaseHead(BaseModule, metaclass=ABCMeta):
    """Base of every head.

    Args:
        codec: keypoint codec config; decodes the outputs (and must be the
            one the pipeline's ``GenerateTarget`` uses).
        skeleton: a skeleton name or :class:`~pose3d_toolbox.skeletons.
            Skeleton` (joint count, root, ...); None takes the codec's
            ``skeleton``.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, codec: Dict,
                 skeleton: Union[str, Skeleton, None] = 'h36m',
                 init_cfg: Optional[Dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.codec = KEYPOINT_CODECS.build(codec)
        self.skeleton = get_skeleton(self.codec.skeleton if skeleton is None
                                     else skeleton)
        self.num_keypoints = self.skeleton.num_joints

    @abstractmethod
    def forward(self, feats):
        """Raw output in the codec's target space."""

    @abstractmethod
    def loss(self, feats, data_samples) -> Dict[str, torch.Tensor]:
        """Losses against the data samples' targets (keys with ``loss`` are
        optimised)."""

    def predict(self, feats, data_samples) -> List:
        """Data samples with ``pred_*`` fields (see :meth:`decode`)."""
        return self.decode(self.forward(feats), data_samples)

    def decode(self, outputs: torch.Tensor, data_samples) -> List:
        """Decode ``forward``'s output (or a flip-test average of it) into
        the data samples' ``pred_*`` fields."""
        decoded = self.decode_outputs(outputs,
                                      [s.metainfo for s in data_samples])
        return write_predictions(data_samples, decoded)

    def decode_outputs(self, outputs: torch.Tensor, metas: List[Dict]
                       ) -> Dict[str, np.ndarray]:
        """The codec's decoding of ``outputs`` (a dict keyed as
        :data:`~pose3d_toolbox.structures.PREDICTION_FIELDS`)."""
        return self.codec.decode(outputs.detach().cpu().numpy(), metas)
