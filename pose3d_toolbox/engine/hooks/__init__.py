from .fit_pca import FitPosePCAHook
from .visualization_hook import Pose3dVisualizationHook

__all__ = ['FitPosePCAHook', 'Pose3dVisualizationHook']
