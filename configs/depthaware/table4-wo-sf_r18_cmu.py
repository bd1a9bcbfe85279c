# Table 4 "wo SF" on the embedded CMU renders: configs/depthaware_r18_cmu.py
# without the neck's pyramid pooling (no scale-aware features).
_base_ = ['../depthaware_r18_cmu.py']

model = dict(neck=dict(pyramid_pooling=False))
