# Quick start for image models: the 2D estimator of AbsPoseLifter's cascade
# (ResNet-18, small input) trained on the embedded CMU renders and tested on
# the CMU test subjects (fixed rig), on 2 CPU cores. Reports the 2D error in
# image pixels and bbox-normalised PCK. Renders are cached in the user cache
# ($POSE3D_CACHE_DIR/renders, else ~/.cache/pose3d_toolbox/renders); set
# cache_dir to a folder instead, or to None to render on every request.
_base_ = ['./_base_/default_runtime.py', './_base_/datasets/cmu_image.py',
          './_base_/models/integral2d.py']

depth = 18
input_size = (64, 64)  # (W, H); the paper's 256 x 256 is ~16x slower
heatmap_size = (16, 16)
sigma = 1.0
render_margin = 1.25  # room for zoom-out / rotation around the person's box
render_size = (80, 80)  # = input_size * render_margin
deconv_channels = (128, 128, 128)  # the paper's 256 would cost 2x here
max_epochs = 10
batch_size = 16
cache_dir = True

codec = dict(type='GaussianHeatmapCodec', input_size=input_size,
             heatmap_size=heatmap_size, sigma=sigma, skeleton='h36m')
model = dict(backbone=dict(depth=depth),
             head=dict(codec=codec, deconv_channels=deconv_channels))
train_pipeline = [
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomBBoxTransform', scale_range=(0.8, 1.2),
         rotate_range=30.0, rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
    dict(type='GenerateTarget', codec=codec),
    {{_base_.pack}}]
val_pipeline = [dict(type='TopdownAffine', input_size=input_size),
                {{_base_.pack}}]
dataset = dict(input_size=render_size, render_margin=render_margin,
               cache_dir=cache_dir, visibility=False)
train_dataloader = dict(
    batch_size=batch_size,
    dataset=dict(pipeline=train_pipeline, **dataset))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline, step=20, **dataset))
test_dataloader = val_dataloader
val_evaluator = {{_base_.keypoint_2d_evaluator}}
test_evaluator = val_evaluator

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=5)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='MultiStepLR', milestones=[max_epochs - 2],
                        gamma=0.1, by_epoch=True)]
default_hooks = dict(logger=dict(interval=20))
auto_scale_lr = dict(base_batch_size=batch_size)
