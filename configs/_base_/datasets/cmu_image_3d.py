# Rendered CMU crops with 3D ground truth (cmu_image.py's dataloaders) for
# image -> 3D models, and their metrics: MPJPE and PA-MPJPE (mm, after root
# alignment / Procrustes), MRPE of the decoded root (mm, with X/Y/Z parts:
# the root-depth estimate's error) and the 2D error in image pixels with
# bbox-normalised PCK. Configs add the pipelines (TopdownAffine ->
# GenerateTarget(codec) -> PackPoseInputs(preset='topdown'); the test
# pipeline keeps GenerateTarget so decoding can read the ground-truth root
# depth under root_depth='ground_truth').
_base_ = ['./cmu_image.py']

val_evaluator = [
    dict(type='PoseErrorMetric', modes=('mpjpe', 'p-mpjpe')),
    dict(type='MRPEMetric'),
    dict(type='Keypoint2DMetric', pck_thresholds=(0.05, 0.1))]
test_evaluator = val_evaluator
