# Table 1, "+ Scale": the normalised pose and the 2D scale sigma.
_base_ = ['../abslifter_h36m.py']

model = dict(backbone=dict(
    input_layer=dict(use_location=False, use_scale=True)))
