# Table 1, "+ Location": the normalised pose and the 2D location m.
_base_ = ['../abslifter_h36m.py']

model = dict(backbone=dict(
    input_layer=dict(use_location=True, use_scale=False)))
