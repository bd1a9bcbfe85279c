default_scope = 'pose3d_toolbox'
runner_type = 'Pose3dRunner'  # CPU-distributed, crash-safe checkpoints

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='SafeCheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'))

# num_threads / loader_workers='auto': torch threads and loader workers fit
# the cores that are free when training starts (an OMP_NUM_THREADS in the
# environment wins); torch's default of one thread per core made training
# 2-6x slower when other processes shared the cores. Set an int (threads)
# or None (torch's default / each loader's num_workers as written) to
# override; see pose3d_toolbox/engine/threads.py.
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),  # without a GPU Pose3dRunner sets gloo
    num_threads='auto',
    loader_workers='auto',
    # values below 1.2e-38 become 0 instead of running in the CPU's slow
    # microcode (ElePose's flow: 4x slower per iteration from epoch 3)
    flush_denormal=True)

vis_backends = [dict(type='LocalVisBackend')]
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
