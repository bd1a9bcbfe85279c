# SimpleBaseline (Martinez et al., ICCV 2017): a residual MLP that lifts one
# frame of 2D joints to a root-relative 3D pose.
num_keypoints = 17
seq_len = 1
width = 1024

codec = dict(type='PoseLiftingCodec', skeleton='h36m')
model = dict(
    type='PoseLifter',
    backbone=dict(
        type='ResidualMLP', in_channels=seq_len * num_keypoints * 2,
        width=width, num_blocks=2, dropout=0.5),
    head=dict(
        type='RegressionHead3D', in_channels=width, codec=codec,
        loss=dict(type='MSELoss')))
pipeline = [dict(type='GenerateTarget', codec=codec),
            dict(type='PackPoseInputs')]

val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3),
                     clip_grad=dict(max_norm=1.0))
# TensorFlow-style exponential decay: lr * 0.96 ** (iteration / 100000).
param_scheduler = [
    dict(type='ExponentialLR', gamma=0.96**(1 / 100000), by_epoch=False)]
