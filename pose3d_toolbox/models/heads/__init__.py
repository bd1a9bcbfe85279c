from .regression_head import RegressionHead3D

__all__ = ['RegressionHead3D']
