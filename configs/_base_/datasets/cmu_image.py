# Rendered RGB crops of the embedded CMU mocap data (no download): the CMU
# takes filmed by virtual cameras, the capsule body rendered into a 256x256
# crop around each person (CMUMocapImageDataset). Random rigs for training,
# the fixed Human3.6M-like rig for the test subjects; every 40th training
# frame (about 3.9k samples) and every 10th test frame (about 2.3k), which
# render in a few ms each on a CPU. Set cache_dir to render each crop once:
# True for the user cache ($POSE3D_CACHE_DIR/renders, else
# ~/.cache/pose3d_toolbox/renders) or a folder.
# Configs add the pipeline, ending with PackPoseInputs(preset='topdown').
dataset_type = 'CMUMocapImageDataset'
input_size = (256, 256)  # (W, H)

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, split='train', rig='random', step=40,
                 input_size=input_size, cache_dir=None))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, split='test', rig='h36m', step=10,
                 input_size=input_size, cache_dir=None, test_mode=True))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='PoseErrorMetric', modes=('mpjpe', 'p-mpjpe', 'n-mpjpe'))]
test_evaluator = val_evaluator
