# HEMlets quick start at the model zoo's size: configs/hemlets_r18_cmu.py
# with ResNet-18's first three stages (stride 16: a 4 x 4 map of the 64 x 64
# crop instead of 2 x 2), two 96-channel deconvolutions to the same 16 x 16
# maps and 16^3 volume, and a 128-channel feature branch: 4.1 of its 14.9 M
# parameters, so that its float16 checkpoint fits the zoo's 80 MB budget.
_base_ = ['./hemlets_r18_cmu.py']

num_stages = 3  # ResNet stages built [4]
deconv_channels = (96, 96)  # 4 -> 8 -> 16 [256, 256, 256]
feature_channels = 128  # [1024]
model = dict(backbone=dict(num_stages=num_stages, out_indices=(2, )),
             head=dict(deconv_channels=deconv_channels,
                       feature_channels=feature_channels))
