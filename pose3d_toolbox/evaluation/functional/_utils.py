"""Small helpers shared by the functional metrics.

Units, everywhere in :mod:`pose3d_toolbox.evaluation.functional`:

- poses, roots and per-joint distances are in **metres** (the toolbox's
  internal unit, ``shared/docs/methods.md`` "Shared conventions");
- every reported error metric (MPJPE, PA-MPJPE, N-MPJPE, MRPE, CPS) is
  returned in **millimetres**; PCK and AUC are returned in **percent**.
"""
import numpy as np

#: Factor from the toolbox's unit (metres) to the reported unit (millimetres).
M_TO_MM = 1000.0


def as_float_array(x, name: str) -> np.ndarray:
    """Return ``x`` as a floating numpy array (float64 unless already float).

    Accepts numpy arrays, nested sequences and torch tensors (detached and
    moved to the CPU), so callers never have to care where values came from.
    """
    if hasattr(x, 'detach') and hasattr(x, 'cpu'):  # torch.Tensor
        x = x.detach().cpu()
        if x.is_floating_point():
            x = x.double()  # also covers float16 / bfloat16
        x = x.numpy()
    arr = np.asarray(x)
    if arr.dtype.kind not in 'f':
        if arr.dtype.kind not in 'iub':
            raise TypeError(f'`{name}` must hold numbers, got dtype '
                            f'{arr.dtype}')
        arr = arr.astype(np.float64)
    return arr


def check_pair(pred, gt, min_ndim: int = 2, last_dim=3):
    """Convert ``pred``/``gt`` to arrays and check they match in shape.

    Returns:
        tuple: ``(pred, gt)`` as floating arrays.
    """
    pred = as_float_array(pred, 'pred')
    gt = as_float_array(gt, 'gt')
    if pred.shape != gt.shape:
        raise ValueError(f'`pred` and `gt` must have the same shape, got '
                         f'{pred.shape} and {gt.shape}')
    if pred.ndim < min_ndim:
        raise ValueError(f'`pred` must have at least {min_ndim} dimensions '
                         f'(..., J, 3), got shape {pred.shape}')
    if last_dim is not None and pred.shape[-1] != last_dim:
        raise ValueError(f'the last axis must hold {last_dim} coordinates, '
                         f'got shape {pred.shape}')
    return pred, gt


def safe_divide(num, den, fill=0.0):
    """``num / den`` where ``den != 0``, ``fill`` elsewhere; no warnings."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, fill, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out
