"""Mixed precision on CPU: bfloat16 autocast.

mmengine's ``AmpOptimWrapper`` asserts a GPU (it is built on
``torch.cuda.amp``'s float16 with a loss scaler), so ``--amp`` failed with an
``AssertionError`` on a CPU machine. On CPU, torch autocasts matrix products
and convolutions to bfloat16; bfloat16 keeps float32's exponent range, so no
loss scaling is needed and the optimizer steps as usual.
"""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper

from pose3d_toolbox.registry import OPTIM_WRAPPERS


def cpu_bf16_autocast_problem():
    """Why bfloat16 autocast cannot run on this CPU, or None if it can.

    Checked by running a small autocast matrix product, so a torch build
    without CPU autocast is refused before the runner is built.
    """
    try:
        with torch.autocast('cpu', dtype=torch.bfloat16):
            out = torch.ones(2, 2) @ torch.ones(2, 2)
    except (RuntimeError, AssertionError) as err:
        return f'torch {torch.__version__} cannot autocast to bfloat16 on ' \
            f'CPU ({err})'
    if out.dtype != torch.bfloat16:
        return (f'torch {torch.__version__} ran a matrix product under CPU '
                f'autocast in {out.dtype}, not bfloat16')
    return None


@OPTIM_WRAPPERS.register_module()
class CpuBf16OptimWrapper(OptimWrapper):
    """:class:`mmengine.optim.OptimWrapper` whose forward passes
    (``optim_context``) run under ``torch.autocast('cpu', bfloat16)``.

    ``tools/train.py --amp`` selects it when no GPU is present. Parameters,
    gradients and optimizer state stay float32; only the autocast-eligible
    operations compute in bfloat16.
    """

    @contextmanager
    def optim_context(self, model):
        with super().optim_context(model), torch.autocast(
                'cpu', dtype=torch.bfloat16):
            yield
