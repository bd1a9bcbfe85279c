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
    there are none. Loaded with ``weights_only`` ``torch.load``."""
    import pose3d_toolbox.engine  # noqa: F401 (allow-lists mmengine's
    # checkpoint contents for weights_only loading)
    ckpt = torch.load(path, map_location='cpu', weights_only=True)
    state = ckpt.get('state_dict', ckpt)
    return {k[len(prefix):]: v for k, v in state.items()
            if k.startswith(prefix)}
