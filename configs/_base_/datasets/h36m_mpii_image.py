# Human3.6M (3D) + MPII (2D only) images in MMPose's layout under
# data/h36m/ and data/mpii/ (README, "Preparing datasets") for image -> 3D
# models trained on mixed batches: MixedRatioSampler draws half of every
# batch from Human3.6M S1, S5, S6, S7, S8 (fps10 files) and half from MPII
# (2D-only samples train only the 2D part of a loss); tests on S9 and S11.
# Configs add the pipelines and the batch size:
#   train_dataloader = dict(
#       batch_size=B, sampler=dict(batch_size=B),
#       dataset=dict(datasets=[dict(_base_.h36m_train, pipeline=P),
#                              dict(_base_.mpii_train, pipeline=P)]))
#   val_dataloader = dict(dataset=dict(pipeline=V))
h36m_root = 'data/h36m/'
mpii_root = 'data/mpii/'
bbox_padding = 1.25  # BBoxFromKeypoints' margin around the labelled joints

h36m_train = dict(
    type='Human3p6mDataset', data_root=h36m_root,
    ann_file='annotation_body3d/fps10/h36m_train.npz',
    subjects=['S1', 'S5', 'S6', 'S7', 'S8'])
mpii_train = dict(
    type='MpiiDataset', data_root=mpii_root,
    ann_file='annotations/mpii_train.json', data_prefix=dict(img='images/'))
train_dataloader = dict(
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='MixedRatioSampler', ratios=(0.5, 0.5)),
    dataset=dict(type='ConcatDataset', datasets=[h36m_train, mpii_train],
                 ignore_keys=['dataset_name']))
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='Human3p6mDataset', data_root=h36m_root,
        ann_file='annotation_body3d/fps10/h36m_test.npz',
        subjects=['S9', 'S11'], test_mode=True))
test_dataloader = val_dataloader
