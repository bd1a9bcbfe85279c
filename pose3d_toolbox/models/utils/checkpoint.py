"""Reading part of another model's checkpoint (ElePose's stage 2 loads the
stage-1 flow prior)."""
import os.path as osp
from typing import Dict, Optional

import torch


def resolve_checkpoint(path: str) -> Optional[str]:
    """A checkpoint file, or a work directory's newest complete checkpoint;
    None when neither exists."""
    from pose3d_toolbox.engine.checkpoint import find_latest_checkpoint
    if osp.isdir(path):
        return find_latest_checkpoint(path)
    return path if osp.isfile(path) else None


def load_submodule_state(path: str, prefix: str) -> Dict[str, torch.Tensor]:
    """The ``prefix``-ed weights of a checkpoint file (a state dict or
    mmengine's ``{'state_dict': ...}``), with ``prefix`` removed; empty when
    there are none. Loaded through the toolbox's one safe loader
    (:func:`pose3d_toolbox.utils.hub.load_checkpoint_file`:
    ``weights_only`` with the checkpoint allow-list, float16 cast back)."""
    from pose3d_toolbox.utils.hub import load_checkpoint_file
    ckpt = load_checkpoint_file(path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    return {k[len(prefix):]: v for k, v in state.items()
            if k.startswith(prefix)}
