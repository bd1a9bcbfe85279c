from .coupling import (AffineCouplingBlock, NormalizingFlow, gaussian_nll,
                       random_orthogonal, soft_clamp)
from .pca import FitPosePCAHook, PosePCA, fit_pca

__all__ = ['AffineCouplingBlock', 'NormalizingFlow', 'gaussian_nll',
           'random_orthogonal', 'soft_clamp', 'PosePCA', 'fit_pca',
           'FitPosePCAHook']
