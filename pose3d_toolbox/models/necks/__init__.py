from .ushape_ppm import PyramidPooling, UShapeNeck

__all__ = ['PyramidPooling', 'UShapeNeck']
