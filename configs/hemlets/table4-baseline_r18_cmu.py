# HEMlets Table 4 "Baseline" on the embedded CMU renders: the integral 3D
# regression head (IntegralVolumetricHead: no HEMlets branch, no fusion, L_3D
# only) on the same data, skeleton, sizes, updates and seed as
# configs/hemlets_r18_cmu.py.
_base_ = ['../hemlets_r18_cmu.py']

model = dict(head=dict(_delete_=True, type='IntegralVolumetricHead',
                       codec=_base_.codec,
                       deconv_channels=_base_.deconv_channels))
train_pipeline = [
    dict(t, codec=_base_.codec) if t['type'] == 'GenerateTarget' else t
    for t in _base_.train_pipeline]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
