from .coupling import (AffineCouplingBlock, NormalizingFlow, gaussian_nll,
                       random_orthogonal, soft_clamp)
from .pca import PosePCA, fit_pca
from .prior import FlowPosePrior

__all__ = ['AffineCouplingBlock', 'NormalizingFlow', 'gaussian_nll',
           'random_orthogonal', 'soft_clamp', 'PosePCA', 'fit_pca',
           'FlowPosePrior']
