# Depth-aware heatmaps (Chen et al., BMVC 2020) with the paper's settings
# (Sec. 4.2, methods.md): ResNet-50 + U-shape neck with pyramid pooling
# (SF) + depth-aware heatmaps via associative embeddings (DH), 256x256
# input, 64x64 heatmaps with intermediate supervision at 8, 16 and 32 px;
# Adam lr 1.6e-4, weight decay 1e-4, batch 80 drawn half from Human3.6M
# (3D) and half from MPII (2D only) by MixedRatioSampler, 180 epochs (an
# epoch: one pass over the Human3.6M training frames) of which 3 warm-up
# epochs (the paper gives no decay); augmentation: horizontal flip and
# colour changes. Trained on S1, S5, S6, S7, S8; tested on S9 and S11
# (fps10 files), flip test. The root depth is the ground truth's
# (Human3.6M Protocol #1 convention: say so in results); for an estimate
# without ground truth set model.head.codec.root_depth=bone_length_fit and
# model.head.codec.bone_lengths=<metres per bone, Skeleton.bones order>.
# Table 4's rows: configs/depthaware/. Data in MMPose's layout under
# data/h36m/ and data/mpii/ (README, "Preparing datasets").
# ImageNet initialisation (optional): put torchvision's resnet50 weights at
# `pretrained` (read from the local file, never downloaded) and uncomment
# the backbone's init_cfg below; without it ResNet-50 starts from scratch.
_base_ = ['./_base_/default_runtime.py', './_base_/models/depthaware.py',
          './_base_/datasets/h36m_mpii_image.py']

input_size = {{_base_.input_size}}
max_epochs = 180
warmup_epochs = 3
batch_size = 80
lr = 1.6e-4
weight_decay = 1e-4
val_interval = 10
pretrained = 'data/pretrained/resnet50-imagenet.pth'
bbox_padding = {{_base_.bbox_padding}}

codec = {{_base_.codec}}
pack = {{_base_.pack}}
model = dict(backbone=dict(
    # init_cfg=dict(type='Pretrained', checkpoint=pretrained),
))
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='BBoxFromKeypoints', padding=bbox_padding),
    dict(type='RandomFlip', prob=0.5),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
    dict(type='GenerateTarget', codec=codec),
    pack]
val_pipeline = [
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

train_cfg = dict(by_epoch=True, max_epochs=max_epochs,
                 val_interval=val_interval)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=lr,
                                    weight_decay=weight_decay))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True)]
auto_scale_lr = dict(base_batch_size=batch_size)
