# Depth-aware heatmaps (Chen et al., BMVC 2020; ../shared/docs/methods.md)
# at the paper's sizes: ResNet-50 (all four stages) -> U-shape neck (top-down
# path with lateral connections back to 1/4 resolution, average pyramid
# pooling with bins 1, 2, 4, 6 on every stage: the scale-aware features,
# SF) -> per stage and joint a depth-aware heatmap, a depth and an
# associative embedding (DH; the head's docstring has our reading of
# Eq. 1-3). Intermediate supervision on the 8x8, 16x16 and 32x32 stages,
# final 64x64; L2 on heatmaps, depth and embedding; 2D-only samples train
# the heatmaps only. Output per joint: a 64x64 map + 2 numbers (Table 1's
# 4098). Decoding to camera metres is the integral baseline's
# (IntegralPose3DCodec): root_depth='ground_truth' is the Human3.6M
# Protocol #1 convention (say so in results).
# Table 4's switches: depth_aware (DH), pyramid_pooling (SF).
# Configs that change sizes redefine `codec` and pass it to model.head and
# GenerateTarget (mmengine evaluates this file on its own).
skeleton = 'h36m'
depth = 50
input_size = (256, 256)  # (W, H)
heatmap_size = (64, 64)  # (w, h) = input_size / 4, the neck's finest stage
depth_range = 2.0  # metres of root-relative depth (the codec's z scale)
neck_channels = 256
sigma = 2.0  # Gaussian of the final heatmaps, heatmap pixels
depth_aware = True  # DH
pyramid_pooling = True  # SF

# (the codec's depth_bins is unused: the head regresses the depth)
codec = dict(type='IntegralPose3DCodec', input_size=input_size,
             heatmap_size=heatmap_size, depth_range=depth_range,
             root_depth='ground_truth', skeleton=skeleton)
model = dict(
    type='TopdownPoseEstimator',
    skeleton=skeleton,
    data_preprocessor=dict(type='ImageDataPreprocessor'),  # ImageNet mean/std
    backbone=dict(type='ResNet', depth=depth, out_indices=(0, 1, 2, 3)),
    # in_channels: the backbone's stages; the head's: neck_channels
    neck=dict(type='UShapeNeck', out_channels=neck_channels,
              pyramid_pooling=pyramid_pooling, bins=(1, 2, 4, 6)),
    head=dict(type='DepthAwareHead', codec=codec, depth_aware=depth_aware,
              num_stages=4, sigma=sigma),
    test_cfg=dict(flip_test=True))

pack = dict(type='PackPoseInputs', preset='topdown')
# MPJPE / PA-MPJPE (mm), MRPE of the decoded root (mm), 2D error (px)
evaluator = [
    dict(type='PoseErrorMetric', modes=('mpjpe', 'p-mpjpe')),
    dict(type='MRPEMetric'),
    dict(type='Keypoint2DMetric', pck_thresholds=(0.05, 0.1))]
val_cfg = dict()
test_cfg = dict()
