# The integral 3D baseline (Sun et al., "Integral Human Pose Regression",
# ECCV 2018; the "Baseline" row of HEMlets' Table 4) at the paper's sizes:
# ResNet-50, 256x256 input, three 256-channel k4 deconvolutions, a 1x1 conv
# to J * D channels reshaped to (J, D = 64, 64, 64) volumes, soft-argmax
# over every voxel, L1 on the normalised 3D coordinates (2D-only samples
# train x, y only: HEMlets Eq. 6's lambda), root-relative depth over a 2 m
# box, init N(0, 0.001) / BN (1, 0), flip test.
# The codec decodes to camera metres; root_depth='ground_truth' is the
# Human3.6M Protocol #1 convention (say so in results), 'bone_length_fit'
# needs no ground truth (bone_lengths: a name in the skeleton's
# extras['mean_bone_lengths'] or metres per bone).
# Configs that change sizes redefine `codec` and pass it to model.head and
# GenerateTarget (mmengine evaluates this file on its own).
depth = 50
heatmap_size = (64, 64)  # (w, h) of the volume
depth_bins = 64
depth_range = 2.0  # metres of root-relative depth the D bins span
deconv_channels = (256, 256, 256)

codec = dict(type='IntegralPose3DCodec', input_size=(256, 256),  # (W, H)
             heatmap_size=heatmap_size, depth_bins=depth_bins,
             depth_range=depth_range, root_depth='ground_truth',
             skeleton='h36m')
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='ImageDataPreprocessor'),  # ImageNet mean/std
    backbone=dict(type='ResNet', depth=depth),
    head=dict(type='IntegralVolumetricHead', codec=codec,
              deconv_channels=deconv_channels, deconv_kernel=4, beta=1.0,
              loss=dict(type='IntegralL1Loss3D')),
    test_cfg=dict(flip_test=True))

# the image, the codec's targets and what decoding and the metrics need
# (crop geometry, camera, ground-truth root depth): the 'topdown' keys
pack = dict(type='PackPoseInputs', preset='topdown')
val_cfg = dict()
test_cfg = dict()
