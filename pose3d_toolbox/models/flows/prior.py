"""ElePose's learnt 2D pose density: the PCA projection, then the
normalizing flow (Wandt et al. 2022, Sec. 3, "Stabilized Normalizing
Flows")."""
from typing import Dict, Optional, Union

import torch
from torch import nn

from pose3d_toolbox.skeletons import Skeleton, get_skeleton
from .coupling import NormalizingFlow
from .pca import PosePCA


class FlowPosePrior(nn.Module):
    """The learnt 2D pose density: projection then normalizing flow.

    Args:
        skeleton: skeleton name or object (``J``, the root joint).
        num_bases: PCA bases (26 in the authors' code); ``None`` for the flow
            on the raw (standardised) coordinates.
        whiten: see :class:`~pose3d_toolbox.models.flows.PosePCA`.
        flow: keyword arguments of
            :class:`~pose3d_toolbox.models.flows.NormalizingFlow` (its
            ``dim`` follows from the projection).

    :meth:`nll`: ``(N, J, 2)`` normalised 2D poses -> ``(N,)`` negative
    log-likelihood in the projected space.
    """

    def __init__(self, skeleton: Union[str, Skeleton] = 'h36m',
                 num_bases: Optional[int] = 26, whiten: bool = False,
                 flow: Optional[Dict] = None):
        super().__init__()
        skeleton = get_skeleton(skeleton)
        self.pca = PosePCA(skeleton.num_joints, num_bases,
                           skeleton.root_index, whiten)
        self.flow = NormalizingFlow(self.pca.out_dim, **(flow or {}))

    def nll(self, poses_2d: torch.Tensor) -> torch.Tensor:
        return self.flow.nll(self.pca(poses_2d))
