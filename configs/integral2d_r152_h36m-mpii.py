# AbsPoseLifter's 2D estimator with the paper's settings (Chang et al. 2020,
# Sec. 4.1 and 5.1): ResNet-152 initialised from ImageNet, three deconvs +
# 1x1 conv to 64x64 heatmaps with an integral read-out, MSE heatmap + L1
# coordinate loss; 256x256 input; RMSprop lr 1e-4 (1e-5 after 30 epochs),
# batch 48, 60 epochs; augmentation: random translation of [-4, 4] px,
# horizontal flip, 40 % colour jitter. Trained on Human3.6M + MPII (the
# paper does not give the mix; this config draws half of every batch from
# each), tested on Human3.6M S9/S11 (every 5th frame, fps10 files).
# The ImageNet weights are read from a local file in torchvision's layout
# (no download): put resnet152 weights at `pretrained` or set it to None.
_base_ = ['./_base_/default_runtime.py', './_base_/models/integral2d.py',
          './_base_/datasets/h36m_mpii_image.py']

input_size = (256, 256)
max_epochs = 60
batch_size = 48
lr = 1e-4
shift_px = 4
pretrained = 'data/pretrained/resnet152-imagenet.pth'

codec = {{_base_.codec}}
model = dict(backbone=dict(
    depth=152,
    init_cfg=dict(type='Pretrained', checkpoint=pretrained)))
pack = {{_base_.pack}}
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='BBoxFromKeypoints', padding={{_base_.bbox_padding}}),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomBBoxTransform',
         shift_factor=shift_px / input_size[0],  # the box fills the input
         scale_range=(1.0, 1.0), rotate_range=0.0),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
    dict(type='GenerateTarget', codec=codec),
    pack]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='BBoxFromKeypoints', padding={{_base_.bbox_padding}}),
    dict(type='TopdownAffine', input_size=input_size),
    pack]

h36m_train = dict(_base_.h36m_train, pipeline=train_pipeline)
mpii_train = dict(_base_.mpii_train, pipeline=train_pipeline)
train_dataloader = dict(
    batch_size=batch_size,
    sampler=dict(batch_size=batch_size),
    dataset=dict(datasets=[h36m_train, mpii_train]))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = {{_base_.keypoint_2d_evaluator}}
test_evaluator = val_evaluator

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='RMSprop', lr=lr))
param_scheduler = [dict(type='MultiStepLR', milestones=[30], gamma=0.1,
                        by_epoch=True)]
auto_scale_lr = dict(base_batch_size=batch_size)
