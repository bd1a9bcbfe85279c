from .abs_pose_head import AbsPoseHead
from .anatomy3d_head import Anatomy3DHead
from .base_head import BaseHead, stack_field
from .depth_aware_head import (DepthAwareHead, DepthAwareOutput,
                               depth_aware_heatmaps, stage_heatmap_targets)
from .heatmap_head import (HeatmapHead, IntegralHeatmapHead, deconv_layers,
                           init_deconv_head)
from .hemlets_head import (HEMletsHead, HEMletsNet, HEMletsOutput,
                           flip_hemlets_output)
from .integral_volumetric_head import IntegralVolumetricHead
from .regression_head import RegressionHead3D

__all__ = ['BaseHead', 'stack_field', 'Anatomy3DHead', 'AbsPoseHead',
           'RegressionHead3D', 'HeatmapHead', 'IntegralHeatmapHead',
           'deconv_layers', 'init_deconv_head', 'IntegralVolumetricHead',
           'HEMletsHead', 'HEMletsNet', 'HEMletsOutput', 'flip_hemlets_output',
           'DepthAwareHead', 'DepthAwareOutput', 'depth_aware_heatmaps',
           'stage_heatmap_targets']
