"""The estimator contract every model follows (MMPose's
``BasePoseEstimator``).

:class:`BasePoseEstimator` owns the one ``forward(inputs, data_samples,
mode)`` that mmengine's loops call and dispatches it:

- ``'loss'`` -> :meth:`~BasePoseEstimator.loss` (dict of losses; keys with
  ``loss`` are optimised, others only logged);
- ``'predict'`` -> :meth:`~BasePoseEstimator.predict` (the data samples with
  ``pred_*`` fields, written by
  :func:`~pose3d_toolbox.structures.write_predictions`);
- ``'tensor'`` -> :meth:`~BasePoseEstimator._forward` (the raw output).

A subclass writes those three methods, nothing else of the dispatch.
:class:`ComposedPoseEstimator` adds the backbone -> (neck) -> head models
with the flip test (``test_cfg=dict(flip_test=True)``): the prediction
decodes the mean of the head's output for the input and, mirrored back, for
the mirrored input (:mod:`pose3d_toolbox.models.utils.flip`).
"""
from abc import ABCMeta, abstractmethod
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel

from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import Skeleton, get_skeleton
from ..utils import flip_test

MODES = ('loss', 'predict', 'tensor')


class BasePoseEstimator(BaseModel, metaclass=ABCMeta):
    """Base of every estimator.

    Args:
        skeleton: skeleton name or :class:`~pose3d_toolbox.skeletons.
            Skeleton` (joint count, root, flip pairs).
        test_cfg: test-time options (``flip_test``).
        data_preprocessor: defaults to :attr:`default_data_preprocessor`.
        init_cfg: mmengine initialisation config.
    """

    #: the data preprocessor a config without one gets.
    default_data_preprocessor = dict(type='PoseDataPreprocessor')

    def __init__(self, skeleton: Union[str, Skeleton] = 'h36m',
                 test_cfg: Optional[Dict] = None,
                 data_preprocessor: Optional[Dict] = None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor or dict(
            self.default_data_preprocessor), init_cfg=init_cfg)
        self.skeleton = get_skeleton(skeleton)
        self.test_cfg = dict(test_cfg or {})

    def forward(self, inputs: torch.Tensor, data_samples=None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs, data_samples)
        raise ValueError(f'{type(self).__name__}.forward: mode must be one '
                         f'of {MODES}, got {mode!r}')

    @abstractmethod
    def loss(self, inputs: torch.Tensor, data_samples
             ) -> Dict[str, torch.Tensor]:
        """Losses of a training batch."""

    @abstractmethod
    def predict(self, inputs: torch.Tensor, data_samples) -> List:
        """The data samples with their ``pred_*`` fields."""

    @abstractmethod
    def _forward(self, inputs: torch.Tensor, data_samples=None):
        """The raw network output (``'tensor'`` mode)."""


class ComposedPoseEstimator(BasePoseEstimator):
    """backbone -> (neck) -> head, each a registered module config.

    The head gets the model's ``skeleton`` unless its config names one; a
    head config without ``in_channels`` gets the backbone's
    ``feat_channels`` (when there is no neck), so changing a ResNet's depth
    is one override; likewise a neck config without ``in_channels`` gets
    the channels of the backbone's ``out_indices`` stages, and the head the
    neck's ``out_channels``. Subclasses say how an input and an output are
    mirrored (:meth:`flip_input`, :meth:`flip_output`) for the flip test.

    Args:
        backbone, head, neck: module configs.
        skeleton, test_cfg, data_preprocessor, init_cfg: see
            :class:`BasePoseEstimator`.
    """

    def __init__(self, backbone: Dict, head: Dict,
                 neck: Optional[Dict] = None,
                 data_preprocessor: Optional[Dict] = None,
                 test_cfg: Optional[Dict] = None,
                 skeleton: Union[str, Skeleton] = 'h36m', init_cfg=None):
        super().__init__(skeleton, test_cfg, data_preprocessor, init_cfg)
        self.backbone = MODELS.build(backbone)
        if neck and neck.get('in_channels') is None and hasattr(
                self.backbone, 'out_indices'):  # the stages it returns
            neck = dict(neck, in_channels=[self.backbone.out_channels[i]
                                           for i in self.backbone.out_indices])
        self.neck = MODELS.build(neck) if neck else None
        head = dict(head)
        head.setdefault('skeleton', self.skeleton)
        if head.get('in_channels') is None and neck is None and hasattr(
                self.backbone, 'feat_channels'):
            head['in_channels'] = self.backbone.feat_channels
        elif head.get('in_channels') is None and isinstance(
                getattr(self.neck, 'out_channels', None), int):
            head['in_channels'] = self.neck.out_channels
        self.head = MODELS.build(head)

    def extract_feat(self, inputs: torch.Tensor):
        feats = self.backbone(inputs)
        return self.neck(feats) if self.neck is not None else feats

    def loss(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        return self.head.loss(self.extract_feat(inputs), data_samples)

    def predict(self, inputs, data_samples) -> List:
        if not self.test_cfg.get('flip_test', False):
            return self.head.predict(self.extract_feat(inputs), data_samples)
        outputs = flip_test(
            lambda x: self.head(self.extract_feat(x)), inputs,
            self.flip_input,
            lambda out: self.flip_output(out, data_samples))
        return self.head.decode(outputs, data_samples)

    def _forward(self, inputs, data_samples=None):
        return self.head(self.extract_feat(inputs))

    @abstractmethod
    def flip_input(self, inputs: torch.Tensor) -> torch.Tensor:
        """The mirrored network input."""

    @abstractmethod
    def flip_output(self, outputs: torch.Tensor, data_samples
                    ) -> torch.Tensor:
        """The head's output of a mirrored input, mirrored back."""
