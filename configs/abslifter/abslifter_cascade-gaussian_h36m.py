# Table 2, "Single Gaussian": training inputs are ground truth plus errors
# drawn, per sample, from the 2D error model fitted by
#   python tools/analysis/fit_error_model.py PREDICTIONS --kind gaussian \
#       --out data/h36m/error_models/gaussian.npz
_base_ = ['./abslifter_cascade-gt_h36m.py']

error_model = 'data/h36m/error_models/gaussian.npz'
codec = {{_base_.codec}}
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='SynthesizeKeypoints2D', model_file=error_model),
    dict(type='RandomFlipLifting', prob=0.5),
    dict(type='GenerateTarget', codec=codec),
    dict(type='PackPoseInputs')]))
