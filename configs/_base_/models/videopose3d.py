# VideoPose3D (Pavllo et al., CVPR 2019): a temporal convolution network
# lifting a window of 2D keypoints to the 3D pose of its centre frame; the
# "Baseline" of Anatomy3D's Table 4 (81 frames). Trained in the strided
# single-frame form; TCN.forward_sequence runs the dilated form on whole
# videos with the same weights.
num_keypoints = 17
kernel_sizes = (3, 3, 3, 3)  # receptive field 81
seq_len = 81  # the product of kernel_sizes (the TCN checks it)
channels = 1024
causal = False

codec = dict(type='PoseLiftingCodec', skeleton='h36m')
model = dict(
    type='PoseLifter',
    backbone=dict(type='TCN', in_channels=2 * num_keypoints,
                  channels=channels, kernel_sizes=kernel_sizes, dropout=0.25,
                  causal=causal),
    head=dict(type='RegressionHead3D', in_channels=channels, codec=codec,
              loss=dict(type='MPJPELoss')))
pipeline = [dict(type='GenerateTarget', codec=codec),
            dict(type='PackPoseInputs')]

val_cfg = dict()
test_cfg = dict()
# Adam (amsgrad) 1e-3, decayed 0.95 per epoch.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, amsgrad=True))
param_scheduler = [dict(type='ExponentialLR', gamma=0.95, by_epoch=True)]
