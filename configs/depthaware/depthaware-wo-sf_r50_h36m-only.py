# Table 4 "3D/wo SF": configs/depthaware_r50_h36m.py without the pyramid
# pooling (no scale-aware features), trained on Human3.6M alone.
_base_ = ['./depthaware_r50_h36m-only.py']

model = dict(neck=dict(pyramid_pooling=False))
