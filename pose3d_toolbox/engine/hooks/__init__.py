from .fit_pca import FitPosePCAHook

__all__ = ['FitPosePCAHook']
