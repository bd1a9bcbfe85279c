# 2s-HEM (HEMlets Sec. 4.3): the closer joint of a part in the positive map,
# the farther in the negative one (both in the zero map when level), instead
# of the parent always in the zero map; otherwise configs/hemlets_r50_h36m.py.
_base_ = ['../hemlets_r50_h36m.py']

variant = '2s'
hem_codec = dict(_base_.hem_codec, variant=variant)
model = dict(head=dict(hemlets_codec=hem_codec))
train_pipeline = [
    dict(t, codec=[hem_codec, _base_.codec])
    if t['type'] == 'GenerateTarget' else t for t in _base_.train_pipeline]
train_dataloader = dict(dataset=dict(datasets=[
    dict(_base_.h36m_train, pipeline=train_pipeline),
    dict(_base_.mpii_train, pipeline=train_pipeline)]))
