# Quick start for image -> 3D models: the integral 3D baseline (HEMlets'
# Table 4 "Baseline", _base_/models/integral3d.py) trained on the embedded
# CMU renders and tested on the CMU test subjects (fixed rig), on 2 CPU
# cores. Reports MPJPE / PA-MPJPE (mm), MRPE of the root estimate (mm) and
# the 2D error (image pixels). The root depth is estimated without ground
# truth (bone-length fit to the training subjects' mean bone lengths); for
# the Human3.6M Protocol #1 convention (ground-truth root depth) test with
# --cfg-options model.head.codec.root_depth=ground_truth.
# Renders are cached in the user cache ($POSE3D_CACHE_DIR/renders, else
# ~/.cache/pose3d_toolbox/renders); set cache_dir to a folder instead, or
# to None to render on every request.
_base_ = ['./_base_/default_runtime.py', './_base_/datasets/cmu_image_3d.py',
          './_base_/models/integral3d.py']

# ---- sizes for 2 CPU cores, in one place (the paper's in brackets) ----
depth = 18  # ResNet depth [50]
input_size = (64, 64)  # (W, H) [256 x 256]
heatmap_size = (16, 16)  # (w, h) of the volume [64 x 64]
depth_bins = 16  # D [64]
deconv_channels = (128, 128, 128)  # [256, 256, 256]
render_margin = 1.25  # room for zoom-out / rotation around the person's box
render_size = (80, 80)  # = input_size * render_margin
max_epochs = 5
batch_size = 16
cache_dir = True
root_depth = 'bone_length_fit'  # or 'ground_truth' (Protocol #1)
bone_lengths = 'cmu'  # mean bone lengths of the CMU training subjects

codec = dict(type='IntegralPose3DCodec', input_size=input_size,
             heatmap_size=heatmap_size, depth_bins=depth_bins,
             depth_range={{_base_.depth_range}}, root_depth=root_depth,
             bone_lengths=bone_lengths, skeleton='h36m')
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
                dict(type='GenerateTarget', codec=codec),
                {{_base_.pack}}]
dataset = dict(input_size=render_size, render_margin=render_margin,
               cache_dir=cache_dir, visibility=False)
train_dataloader = dict(
    batch_size=batch_size,
    dataset=dict(pipeline=train_pipeline, **dataset))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline, step=20, **dataset))
test_dataloader = val_dataloader

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=5)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='MultiStepLR', milestones=[max_epochs - 2],
                        gamma=0.1, by_epoch=True)]
default_hooks = dict(logger=dict(interval=20))
auto_scale_lr = dict(base_batch_size=batch_size)
