# Human3.6M in MMPose's preprocessed layout (see "Preparing datasets" in
# README.md). Configs add the pipeline: dict(dataset=dict(pipeline=...)).
dataset_type = 'Human3p6mDataset'
data_root = 'data/h36m/'
train_subjects = ['S1', 'S5', 'S6', 'S7', 'S8']
test_subjects = ['S9', 'S11']

# Lifting data go through the batch path (batched=True: one vectorised
# gather per batch, BaseLiftingDataset.get_batch) in the main process: a
# batch costs about a millisecond there, less than a loader worker would
# spend pickling its data samples back (num_workers > 0 only pays for
# pipelines without a batch form, which fall back to one sample at a time).
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotation_body3d/fps50/h36m_train.npz',
        subjects=train_subjects,
        batched=True))
val_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotation_body3d/fps50/h36m_test.npz',
        subjects=test_subjects,
        test_mode=True,
        batched=True))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='PoseErrorMetric', modes=('mpjpe', 'p-mpjpe', 'n-mpjpe'),
         per_action=True),
]
test_evaluator = val_evaluator
