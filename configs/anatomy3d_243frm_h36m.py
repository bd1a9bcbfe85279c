# Anatomy3D on Human3.6M, 243 frames (Table 1): five width-3 levels.
_base_ = ['./anatomy3d_81frm_h36m.py']

kernel_sizes = (3, 3, 3, 3, 3)
seq_len = 243  # the product of kernel_sizes (the TCN checks it)
model = dict(direction_net=dict(kernel_sizes=kernel_sizes),
             length_net=dict(num_blocks=len(kernel_sizes) - 1))
train_dataloader = dict(dataset=dict(seq_len=seq_len))
val_dataloader = dict(dataset=dict(seq_len=seq_len))
test_dataloader = val_dataloader
