from .residual_mlp import ResidualMLP

__all__ = ['ResidualMLP']
