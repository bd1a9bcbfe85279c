# Anatomy3D on Human3.6M, 243 frames, causal (Table 1): both the d-frame
# window and the l random frames come from the current and past frames.
_base_ = ['./anatomy3d_243frm_h36m.py']

causal = True
model = dict(direction_net=dict(causal=causal))
train_dataloader = dict(dataset=dict(causal=causal))
val_dataloader = dict(dataset=dict(causal=causal))
test_dataloader = val_dataloader
