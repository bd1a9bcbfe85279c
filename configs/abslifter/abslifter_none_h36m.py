# Table 1, "Baseline": the normalisation layer without location and scale.
_base_ = ['../abslifter_h36m.py']

model = dict(backbone=dict(
    input_layer=dict(use_location=False, use_scale=False)))
