# The embedded CMU mocap data (no download): random camera rigs for
# training, the fixed Human3.6M-like rig for evaluation, split by subject.
dataset_type = 'CMUMocapDataset'

# Lifting data go through the batch path (batched=True: one vectorised
# gather per batch, BaseLiftingDataset.get_batch) in the main process: a
# batch costs about a millisecond there, less than a loader worker would
# spend pickling its data samples back (num_workers > 0 only pays for
# pipelines without a batch form, which fall back to one sample at a time).
train_dataloader = dict(
    batch_size=256,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, split='train', rig='random',
                 batched=True))
val_dataloader = dict(
    batch_size=512,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, split='test', rig='h36m',
                 test_mode=True, batched=True))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='PoseErrorMetric', modes=('mpjpe', 'p-mpjpe', 'n-mpjpe'))]
test_evaluator = val_evaluator
