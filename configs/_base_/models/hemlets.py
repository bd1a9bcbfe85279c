# HEMlets (Zhou et al., ICCV 2019; layer facts in ../shared/docs/methods.md)
# at the paper's sizes: ResNet-50 C5 -> two upsampling branches (three
# 256-channel k4 deconvolutions each, to 64x64); the HEMlets branch predicts
# 14 parts x 3 triplet maps (Eq. 1-2) + 18 2D heatmaps (Eq. 4), the feature
# branch 1024 channels; fusion -> (18, D = 64, 64, 64) volume -> soft-argmax
# (Eq. 5); loss alpha (L_HEM + L_2D) + L_3D with alpha = 0.05 (Eq. 8),
# 2D-only samples train x, y only (Eq. 6's lambda); init N(0, 0.001) / BN
# (1, 0); flip test. 18-joint 'hemlets' skeleton (Human3.6M's 17 + the
# shoulder midpoint, added by the pipeline's ExtendSkeleton), scored on
# the 17 (metrics' joint_indices='hemlets').
# Decoding to camera metres is the integral baseline's
# (IntegralPose3DCodec): root_depth='ground_truth' is the Human3.6M
# Protocol #1 convention (say so in results).
# The pipeline's GenerateTarget takes both codecs: codec=[hem_codec, codec].
# Configs that change sizes redefine both codecs and pass them to model.head
# and GenerateTarget (mmengine evaluates this file on its own).
skeleton = 'hemlets'
input_size = (256, 256)  # (W, H)
heatmap_size = (64, 64)  # (w, h) of the maps and the volume
depth_bins = 64
depth_range = 2.0  # metres of root-relative depth the D bins span
sigma = 2.0  # Gaussian of the triplets and 2D heatmaps, heatmap pixels
deconv_channels = (256, 256, 256)
feature_channels = 1024
fusion_channels = 256
variant = 'hemlets'  # '2s' (2s-HEM) or '5s' (5s-HEM), Sec. 4.3
alpha = 0.05
use_hem = True  # L_HEM (Table 4 "w/ HEMlets", "Full")
use_2d = True  # L_2D (Table 4 "w/ 2D heatmaps", "Full")

codec = dict(type='IntegralPose3DCodec', input_size=input_size,
             heatmap_size=heatmap_size, depth_bins=depth_bins,
             depth_range=depth_range, root_depth='ground_truth',
             skeleton=skeleton)
hem_codec = dict(type='HEMletsCodec', variant=variant, input_size=input_size,
                 heatmap_size=heatmap_size, sigma=sigma, skeleton=skeleton)
model = dict(
    type='TopdownPoseEstimator',
    skeleton=skeleton,
    data_preprocessor=dict(type='ImageDataPreprocessor'),  # ImageNet mean/std
    backbone=dict(type='ResNet', depth=50),
    head=dict(type='HEMletsHead', codec=codec, hemlets_codec=hem_codec,
              deconv_channels=deconv_channels, deconv_kernel=4,
              feature_channels=feature_channels,
              fusion_channels=fusion_channels, beta=1.0,
              loss=dict(type='IntegralL1Loss3D'),
              hemlets_loss=dict(type='HEMletsLoss', alpha=alpha,
                                use_hem=use_hem, use_2d=use_2d)),
    test_cfg=dict(flip_test=True))

pack = dict(type='PackPoseInputs', preset='topdown')
# MPJPE / PA-MPJPE (mm) and the 2D error on the 17 evaluated joints; MRPE of
# the decoded root (mm)
evaluator = [
    dict(type='PoseErrorMetric', modes=('mpjpe', 'p-mpjpe'),
         joint_indices=skeleton),
    dict(type='MRPEMetric'),
    dict(type='Keypoint2DMetric', pck_thresholds=(0.05, 0.1),
         joint_indices=skeleton)]
val_cfg = dict()
test_cfg = dict()
