# The 2D estimator of AbsPoseLifter's cascade (paper Sec. 4.1): SimpleBaseline
# (ResNet, three 256-channel k4 deconvolutions, 1x1 conv to J heatmaps at a
# quarter of the input) plus the integral (soft-argmax) read-out; loss = MSE
# on the heatmaps + L1 on the coordinates. Flip test at inference.
# Configs that change input_size / heatmap_size redefine `codec` and pass it
# to model.head and GenerateTarget (mmengine evaluates this file on its own).
num_keypoints = 17
depth = 152
# Heatmap MSE is a mean over h*w pixels (~1e-2 for a Gaussian of sigma 2 on
# 64x64); the weight brings it to the scale of the L1 on coordinates
# normalised by the heatmap size. The read-out's softmax uses beta = 20 so
# the Gaussians of peak 1 that the MSE trains dominate the background.
heatmap_loss_weight = 100.0
beta = 20.0

codec = dict(type='GaussianHeatmapCodec', input_size=(256, 256),  # (W, H)
             heatmap_size=(64, 64), sigma=2.0,  # sigma in heatmap pixels
             skeleton='h36m')
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='ImageDataPreprocessor'),  # ImageNet mean/std
    backbone=dict(type='ResNet', depth=depth),
    head=dict(
        type='IntegralHeatmapHead', codec=codec,
        deconv_channels=(256, 256, 256), deconv_kernel=4, beta=beta,
        loss=dict(type='MSELoss', loss_weight=heatmap_loss_weight),
        coord_loss=dict(type='L1Loss')),
    test_cfg=dict(flip_test=True))

# the image, the heatmap targets and what decoding and the metrics need
# (the crop geometry): PackPoseInputs' 'topdown' keys
pack = dict(type='PackPoseInputs', preset='topdown')
keypoint_2d_evaluator = [
    dict(type='Keypoint2DMetric', pck_thresholds=(0.05, 0.1))]
val_cfg = dict()
test_cfg = dict()
