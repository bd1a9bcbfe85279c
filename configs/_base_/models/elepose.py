# ElePose (Wandt, Little, Rhodin; CVPR 2022): unsupervised lifting with a
# normalizing flow on PCA-projected 2D poses and a learnt camera elevation.
# Stage 1 (this model): fit the PCA on the training 2D poses
# (FitPosePCAHook) and train the flow by negative log-likelihood. Stage 2
# (configs/elepose_*.py) reuses `model.prior` and `model.codec` from here.
num_keypoints = 17
# 2D poses divided by one mean root-to-head distance, by default the authors'
# Human3.6M value (145.53 px); other data sets their own (see elepose*_cmu)
codec = dict(type='ElePoseCodec', skeleton='h36m')
model = dict(
    type='ElePoseFlow',
    codec=codec,
    prior=dict(
        num_bases=26,  # authors' code; paper Fig. 4: 22-30 is best
        flow=dict(num_blocks=8, hidden=1024, clamp=2.0, slope=0.1)))
# the published lifter (stage 2): 1 shared + 2 residual blocks per branch
lifter = dict(type='ElePoseLiftingNet', width=1024, num_common_blocks=1,
              num_branch_blocks=2, elevation=True)
pipeline = [dict(type='GenerateTarget', codec=codec),
            dict(type='PackPoseInputs')]
custom_hooks = [dict(type='FitPosePCAHook')]

val_cfg = dict()
test_cfg = dict()
# gradient clipping is ours: a few near-degenerate 2D poses (head close to
# the pelvis in the image) land far out in the whitened PCA space
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4, weight_decay=1e-5),
                     clip_grad=dict(max_norm=10.0))
# stage 1 watches the held-out NLL of the test 2D poses; `flat/...` is the
# error of the 2D pose lifted at constant depth, the floor of any lifter
flow_evaluator = [
    dict(type='MeanNLLMetric'),
    dict(type='PoseErrorMetric', modes=('p-mpjpe', 'n-mpjpe'),
         prefix='flat')]
# stage 2: ElePose's metrics (N-MPJPE with the least-squares scale)
lifter_evaluator = [
    dict(type='PoseErrorMetric', modes=('p-mpjpe', 'n-mpjpe')),
    dict(type='PCK3DMetric', scale='lstsq'),
    dict(type='CPSMetric'),
    dict(type='NLLErrorCorrelationMetric')]
