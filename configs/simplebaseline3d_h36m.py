# SimpleBaseline (Martinez et al., ICCV 2017): single-frame 2D -> 3D lifting
# on Human3.6M with the published settings (Adam 1e-3 with exponential decay
# 0.96 per 100k steps, batch 64, 200 epochs, max-norm 1, dropout 0.5).
_base_ = ['./_base_/default_runtime.py', './_base_/datasets/h36m.py']

num_keypoints = 17
seq_len = 1
width = 1024
max_epochs = 200

codec = dict(type='PoseLiftingCodec', num_keypoints=num_keypoints)
model = dict(
    type='PoseLifter',
    backbone=dict(
        type='ResidualMLP', in_channels=seq_len * num_keypoints * 2,
        width=width, num_blocks=2, dropout=0.5),
    head=dict(
        type='RegressionHead3D', in_channels=width,
        num_keypoints=num_keypoints, codec=codec, loss=dict(type='MSELoss')))

pipeline = [dict(type='GenerateTarget', codec=codec),
            dict(type='PackPoseInputs')]
train_dataloader = dict(dataset=dict(seq_len=seq_len, pipeline=pipeline))
val_dataloader = dict(dataset=dict(seq_len=seq_len, pipeline=pipeline))
test_dataloader = val_dataloader

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3),
                     clip_grad=dict(max_norm=1.0))
# TensorFlow-style exponential decay: lr * 0.96 ** (iteration / 100000).
param_scheduler = [
    dict(type='ExponentialLR', gamma=0.96**(1 / 100000), by_epoch=False)]
auto_scale_lr = dict(base_batch_size=64)
