from .flip import flip_heatmaps, flip_keypoints, flip_test
from .integral import NORMALIZATIONS, normalize_maps, soft_argmax
from .mixed import weight_3d

__all__ = ['NORMALIZATIONS', 'normalize_maps', 'soft_argmax', 'weight_3d',
           'flip_heatmaps', 'flip_keypoints', 'flip_test']
