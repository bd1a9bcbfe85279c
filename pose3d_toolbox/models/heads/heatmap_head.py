"""SimpleBaseline's deconvolution head and its integral (soft-argmax) form.

:class:`HeatmapHead` (Xiao et al., "Simple Baselines for Human Pose
Estimation and Tracking", ECCV 2018): three ``ConvTranspose2d(k=4, s=2,
p=1)`` + BN + ReLU layers of 256 channels, then a 1x1 convolution to ``J``
heatmaps; MSE against the codec's Gaussian heatmaps.

:class:`IntegralHeatmapHead` adds the integral read-out of Sun et al. (ECCV
2018): :func:`~pose3d_toolbox.models.utils.soft_argmax` of the heatmaps,
trained by an L1 loss on the coordinates next to the heatmap MSE (the 2D
estimator of AbsPoseLifter's cascade, paper Sec. 4.1).

Heads return tensors: ``forward(feats)`` -> ``(N, J, h, w)`` heatmaps;
:meth:`~.BaseHead.decode` decodes an output into the data samples
(``pred_keypoints_2d`` image pixels, ``pred_keypoints_2d_input`` input
pixels, ``pred_keypoint_scores``). The flip test mirrors heatmaps with
:func:`~pose3d_toolbox.models.utils.flip_heatmaps`.
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
from torch import nn

from pose3d_toolbox.codecs import HEATMAPS, KEYPOINTS_2D_TARGET, TARGET_WEIGHT
from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import Skeleton
from ..utils import soft_argmax
from .base_head import BaseHead, stack_field


def deconv_layers(in_channels: int, channels: Sequence[int] = (256, 256, 256),
                  kernel_size: int = 4) -> nn.Sequential:
    """``len(channels)`` x [ConvTranspose2d(stride 2, no bias), BN, ReLU]:
    each layer doubles the resolution (kernel 4, 3 or 2)."""
    padding, output_padding = {4: (1, 0), 3: (1, 1), 2: (0, 0)}[kernel_size]
    layers = []
    for out in channels:
        layers += [nn.ConvTranspose2d(in_channels, out, kernel_size, 2,
                                      padding, output_padding, bias=False),
                   nn.BatchNorm2d(out), nn.ReLU(inplace=True)]
        in_channels = out
    return nn.Sequential(*layers)


def init_deconv_head(module: nn.Module) -> None:
    """The published initialisation of the deconvolution heads
    (SimpleBaseline, Integral Regression, HEMlets): conv and deconv weights
    N(0, 0.001), biases 0, BatchNorm weight 1 and bias 0."""
    for m in module.modules():
        if isinstance(m, (nn.ConvTranspose2d, nn.Conv2d)):
            nn.init.normal_(m.weight, std=0.001)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


@MODELS.register_module()
class HeatmapHead(BaseHead):
    """Deconvolutions + 1x1 convolution to ``J`` heatmaps.

    Args:
        in_channels: channels of the backbone's last feature map.
        codec: heatmap codec config (e.g. ``GaussianHeatmapCodec``); the
            pipeline's ``GenerateTarget`` must use the same.
        deconv_channels: output channels of each deconvolution (``()`` for
            none).
        deconv_kernel: 4, 3 or 2.
        loss: heatmap loss, called on ``(N, J, h*w)`` with ``(N, J)``
            weights.
        skeleton: skeleton name or object (``J``).

    ``forward``: ``(N, C, h/8, w/8)`` -> ``(N, J, h, w)`` for three
    deconvolutions.
    """

    def __init__(self, in_channels: int, codec: Dict,
                 deconv_channels: Sequence[int] = (256, 256, 256),
                 deconv_kernel: int = 4,
                 loss: Dict = dict(type='MSELoss'),
                 skeleton: Union[str, Skeleton] = 'h36m',
                 init_cfg: Optional[Dict] = None):
        super().__init__(codec, skeleton, init_cfg=init_cfg)
        self.deconv = deconv_layers(in_channels, deconv_channels,
                                    deconv_kernel)
        last = deconv_channels[-1] if len(deconv_channels) else in_channels
        self.final = nn.Conv2d(last, self.num_keypoints, 1)
        self.loss_module = MODELS.build(loss)

    def init_weights(self):
        super().init_weights()
        if self.init_cfg is None:
            init_deconv_head(self)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        if isinstance(feats, (list, tuple)):
            feats = feats[-1]
        return self.final(self.deconv(feats))

    def heatmap_loss(self, heatmaps, data_samples) -> torch.Tensor:
        target = stack_field(data_samples, HEATMAPS, heatmaps)
        weight = stack_field(data_samples, TARGET_WEIGHT, heatmaps)
        return self.loss_module(heatmaps.flatten(2), target.flatten(2),
                                weight)

    def loss(self, feats, data_samples) -> Dict[str, torch.Tensor]:
        return dict(loss_heatmap=self.heatmap_loss(self.forward(feats),
                                                   data_samples))


@MODELS.register_module()
class IntegralHeatmapHead(HeatmapHead):
    """:class:`HeatmapHead` with the integral (soft-argmax) read-out.

    Args:
        beta: softmax inverse temperature of the read-out; the heatmaps are
            also trained towards Gaussians of peak 1, so ``beta`` well above
            1 keeps the background from pulling the expectation to the
            centre.
        normalization: ``'softmax'`` or ``'relu'``
            (:func:`~pose3d_toolbox.models.utils.normalize_maps`).
        coord_loss: loss on ``(N, J, 2)`` coordinates normalised by the
            heatmap size (``x / w``, ``y / h``), with ``(N, J)`` weights.
        **kwargs: :class:`HeatmapHead` arguments.

    Predictions are the soft-argmax coordinates (not the heatmap maxima).
    """

    def __init__(self, *args, beta: float = 1.0,
                 normalization: str = 'softmax',
                 coord_loss: Dict = dict(type='L1Loss'), **kwargs):
        super().__init__(*args, **kwargs)
        self.beta, self.normalization = float(beta), normalization
        self.coord_loss_module = MODELS.build(coord_loss)

    def integral(self, heatmaps: torch.Tensor) -> torch.Tensor:
        """``(N, J, h, w)`` -> ``(N, J, 2)`` heatmap-pixel coordinates."""
        return soft_argmax(heatmaps, 2, self.beta, self.normalization)[0]

    def loss(self, feats, data_samples) -> Dict[str, torch.Tensor]:
        heatmaps = self.forward(feats)
        coords = self.integral(heatmaps)
        target = stack_field(data_samples, KEYPOINTS_2D_TARGET, coords)
        weight = stack_field(data_samples, TARGET_WEIGHT, coords)
        size = coords.new_tensor(heatmaps.shape[-1:-3:-1])  # (w, h)
        return dict(
            loss_heatmap=self.heatmap_loss(heatmaps, data_samples),
            loss_coord=self.coord_loss_module(coords / size, target / size,
                                              weight))

    def decode_outputs(self, output: torch.Tensor, metas: List[Dict]
                       ) -> Dict:
        coords, scores = self.readout(output.detach())
        return self.codec.decode_coords(coords.cpu().numpy(), metas,
                                        scores.cpu().numpy())

    def readout(self, heatmaps: torch.Tensor):
        """``(N, J, h, w)`` -> ``(N, J, 2)`` heatmap-pixel coordinates
        (:meth:`integral`) and ``(N, J)`` scores (the maps' maxima): what
        :meth:`decode_outputs` hands the codec, and what an exported graph
        outputs (``pose3d_toolbox/apis/onnx_export.py``)."""
        return self.integral(heatmaps), heatmaps.flatten(2).amax(-1)
