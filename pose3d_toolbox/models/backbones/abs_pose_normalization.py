"""AbsPoseLifter's normalisation layer (Chang et al., Sec. 3.1)."""
from typing import Union

import torch
from torch import nn

from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import Skeleton, get_skeleton


def normalize_pose_2d(keypoints: torch.Tensor, eps: float = 1e-6):
    """Split a 2D pose into normalised shape, location and scale (Eq. 2-4).

    Args:
        keypoints: ``(N, J, 2)`` pixels relative to the principal point
            (Eq. 1, done by :class:`~pose3d_toolbox.codecs.AbsPoseCodec`).

    Returns:
        ``(normalised (N, J, 2), m (N, 2), sigma (N, 1))`` with ``m`` the
        joint centroid (Eq. 3), ``sigma = sqrt(mean_i |p_i - m|^2)`` (Eq. 4)
        and ``normalised = (p - m) / sigma`` (Eq. 2).
    """
    m = keypoints.mean(dim=1)
    centred = keypoints - m[:, None]
    sigma = centred.pow(2).sum(-1).mean(1, keepdim=True).sqrt()
    return centred / sigma[:, :, None].clamp(min=eps), m, sigma


@MODELS.register_module()
class AbsPoseNormalization(nn.Module):
    """``(N, [1,] J, 2)`` principal-point-centred pixels -> ``(N, 2J + k)``.

    Output: the normalised pose (Eq. 2), then the location ``m`` (2 values)
    and the scale ``sigma`` (1 value), each times ``scale`` (the authors'
    code feeds them in thousands of pixels). ``use_location`` and
    ``use_scale`` switch them off for the ablations of the paper's Table 1;
    :attr:`out_channels` is ``2J + 2 * use_location + use_scale``.

    Args:
        skeleton: skeleton name or object (``J``).
        use_location: append ``m``.
        use_scale: append ``sigma``.
        scale: factor applied to ``m`` and ``sigma``.
    """

    def __init__(self, skeleton: Union[str, Skeleton] = 'h36m',
                 use_location: bool = True, use_scale: bool = True,
                 scale: float = 1e-3):
        super().__init__()
        self.num_keypoints = J = get_skeleton(skeleton).num_joints
        self.use_location, self.use_scale = use_location, use_scale
        self.scale = scale
        self.out_channels = 2 * J + 2 * use_location + use_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 4:
            if x.shape[1] != 1:
                raise ValueError('AbsPoseNormalization lifts one frame; got '
                                 f'seq_len={x.shape[1]}')
            x = x[:, 0]
        if x.shape[1:] != (self.num_keypoints, 2):
            raise ValueError(f'AbsPoseNormalization expects (N, '
                             f'{self.num_keypoints}, 2) input, got '
                             f'{tuple(x.shape)}')
        pose, m, sigma = normalize_pose_2d(x)
        parts = [pose.flatten(1)]
        if self.use_location:
            parts.append(m * self.scale)
        if self.use_scale:
            parts.append(sigma * self.scale)
        return torch.cat(parts, dim=1)
