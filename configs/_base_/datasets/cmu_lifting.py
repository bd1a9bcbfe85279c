# The embedded CMU mocap data (no download): random camera rigs for
# training, the fixed Human3.6M-like rig for evaluation, split by subject.
dataset_type = 'CMUMocapDataset'

train_dataloader = dict(
    batch_size=256,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, split='train', rig='random'))
val_dataloader = dict(
    batch_size=512,
    num_workers=1,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, split='test', rig='h36m',
                 test_mode=True))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='PoseErrorMetric', modes=('mpjpe', 'p-mpjpe', 'n-mpjpe'))]
test_evaluator = val_evaluator
