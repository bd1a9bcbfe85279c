# Human3.6M in MMPose's preprocessed layout (see "Preparing datasets" in
# README.md). Configs add the pipeline: dict(dataset=dict(pipeline=...)).
dataset_type = 'Human3p6mDataset'
data_root = 'data/h36m/'
train_subjects = ['S1', 'S5', 'S6', 'S7', 'S8']
test_subjects = ['S9', 'S11']

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotation_body3d/fps50/h36m_train.npz',
        subjects=train_subjects))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotation_body3d/fps50/h36m_test.npz',
        subjects=test_subjects,
        test_mode=True))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='PoseErrorMetric', modes=('mpjpe', 'p-mpjpe', 'n-mpjpe'),
         per_action=True),
]
test_evaluator = val_evaluator
