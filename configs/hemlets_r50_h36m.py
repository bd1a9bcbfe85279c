# HEMlets (Zhou et al., ICCV 2019) with the paper's settings (Sec. 3.2
# "Implementation details", methods.md): ResNet-50, 256x256 input, batch 64
# drawn half from Human3.6M (3D) and half from MPII (2D only) by
# MixedRatioSampler, Adam lr 1e-3, 100k iterations; augmentation: rotation
# +-30 deg, scale 0.75-1.25, horizontal flip 0.5, colour distortion.
# Trained on S1, S5, S6, S7, S8; tested on S9 and S11 (fps10 files), flip
# test. The root depth is the ground truth's (Human3.6M Protocol #1
# convention, as in the paper: say so in results); for an estimate without
# ground truth set model.head.codec.root_depth=bone_length_fit and
# model.head.codec.bone_lengths=<metres per bone, Skeleton.bones order>.
# Data in MMPose's layout under data/h36m/ and data/mpii/ (README,
# "Preparing datasets").
# ImageNet initialisation (optional): put torchvision's resnet50 weights at
# `pretrained` (read from the local file, never downloaded) and uncomment
# the backbone's init_cfg below; without it ResNet-50 starts from scratch.
_base_ = ['./_base_/default_runtime.py', './_base_/models/hemlets.py',
          './_base_/datasets/h36m_mpii_image.py']

input_size = {{_base_.input_size}}
max_iters = 100000
batch_size = 64
lr = 1e-3
val_interval = 10000
pretrained = 'data/pretrained/resnet50-imagenet.pth'
bbox_padding = {{_base_.bbox_padding}}

codec = {{_base_.codec}}
hem_codec = {{_base_.hem_codec}}
pack = {{_base_.pack}}
model = dict(backbone=dict(
    depth=50,
    # init_cfg=dict(type='Pretrained', checkpoint=pretrained),
))
train_pipeline = [
    dict(type='ExtendSkeleton', skeleton='hemlets'),
    dict(type='LoadImage'),
    dict(type='BBoxFromKeypoints', padding=bbox_padding),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomBBoxTransform', scale_range=(0.75, 1.25),
         rotate_range=30.0),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
    dict(type='GenerateTarget', codec=[hem_codec, codec]),
    pack]
val_pipeline = [
    dict(type='ExtendSkeleton', skeleton='hemlets'),
    dict(type='LoadImage'),
    dict(type='BBoxFromKeypoints', padding=bbox_padding),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='GenerateTarget', codec=codec),  # the ground-truth root depth
    pack]

h36m_train = dict(_base_.h36m_train, pipeline=train_pipeline)
mpii_train = dict(_base_.mpii_train, pipeline=train_pipeline)
train_dataloader = dict(
    batch_size=batch_size,
    sampler=dict(batch_size=batch_size),
    dataset=dict(datasets=[h36m_train, mpii_train]))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = {{_base_.evaluator}}
test_evaluator = val_evaluator

# iteration-based: 100k updates, constant learning rate (the paper gives no
# decay)
train_cfg = dict(by_epoch=False, max_iters=max_iters,
                 val_interval=val_interval)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=lr))
param_scheduler = []
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=val_interval))
log_processor = dict(by_epoch=False)
auto_scale_lr = dict(base_batch_size=batch_size)
