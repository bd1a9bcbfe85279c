# Table 2, "GT" without location & scale.
_base_ = ['./abslifter_cascade-gt_h36m.py']

model = dict(backbone=dict(
    input_layer=dict(use_location=False, use_scale=False)))
