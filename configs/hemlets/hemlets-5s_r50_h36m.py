# 5s-HEM (HEMlets Sec. 4.3): five maps per part, the child placed by the
# part's angle to the image plane in (-90, -60, -30, 30, 60, 90) degrees;
# otherwise configs/hemlets_r50_h36m.py.
_base_ = ['../hemlets_r50_h36m.py']

variant = '5s'
hem_codec = dict(_base_.hem_codec, variant=variant)
model = dict(head=dict(hemlets_codec=hem_codec))
train_pipeline = [
    dict(t, codec=[hem_codec, _base_.codec])
    if t['type'] == 'GenerateTarget' else t for t in _base_.train_pipeline]
train_dataloader = dict(dataset=dict(datasets=[
    dict(_base_.h36m_train, pipeline=train_pipeline),
    dict(_base_.mpii_train, pipeline=train_pipeline)]))
