"""Temporal smoothing of pose sequences (the inferencer's optional output
filter). Every function takes ``(T, ...)`` arrays, time first, and filters
each coordinate independently.

- :func:`one_euro_filter`: Casiez, Roussel and Vogel, "1€ Filter: A Simple
  Speed-based Low-pass Filter for Noisy Input in Interactive Systems",
  CHI 2012. Causal (usable online). With sampling period ``te = 1 / fps``
  and the smoothing factor ``alpha(fc) = 1 / (1 + tau / te)``,
  ``tau = 1 / (2 pi fc)``::

      dx_t   = (x_t - xh_{t-1}) / te                   (raw speed)
      dxh_t  = alpha(d_cutoff) dx_t + (1 - alpha(d_cutoff)) dxh_{t-1}
      fc_t   = min_cutoff + beta |dxh_t|               (adaptive cutoff)
      xh_t   = alpha(fc_t) x_t + (1 - alpha(fc_t)) xh_{t-1}

  ``xh_0 = x_0``, ``dxh_0 = 0``. Slow motion gets a low cutoff (less
  jitter), fast motion a high one (less lag).
- :func:`savgol_smooth`: Savitzky-Golay (a least-squares polynomial of
  order ``polyorder`` fitted in each window of ``window`` frames, centred;
  :func:`scipy.signal.savgol_filter`, ``mode='interp'`` at the ends). Not
  causal; it returns any polynomial of degree ``<= polyorder`` unchanged.

:func:`smooth_sequence` dispatches on a config dict
(``dict(type='one_euro', ...)`` / ``dict(type='savgol', ...)``), the form
the inferencer, the configs and the CLI pass.
"""
import math
from typing import Optional

import numpy as np

SMOOTHERS = ('one_euro', 'savgol')


def _alpha(cutoff, te: float):
    tau = 1.0 / (2 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / te)


def one_euro_filter(x: np.ndarray, fps: float = 30.0,
                    min_cutoff: float = 1.0, beta: float = 0.0,
                    d_cutoff: float = 1.0) -> np.ndarray:
    """The One-Euro filter along axis 0 (see the module docstring).

    Args:
        x: ``(T, ...)`` signal (NaN-free).
        fps: samples per second (``te = 1 / fps``).
        min_cutoff: the cutoff frequency at rest, Hz (lower: smoother).
        beta: speed coefficient (higher: less lag on fast motion).
        d_cutoff: cutoff of the speed's own low-pass, Hz.

    Returns:
        ``(T, ...)`` filtered signal, float64.
    """
    for name, value in (('fps', fps), ('min_cutoff', min_cutoff),
                        ('d_cutoff', d_cutoff)):
        if not value > 0:
            raise ValueError(f'one_euro_filter: {name} must be > 0, got '
                             f'{value!r}')
    if beta < 0:
        raise ValueError(f'one_euro_filter: beta must be >= 0, got {beta!r}')
    x = np.asarray(x, np.float64)
    out = np.empty_like(x)
    if len(x) == 0:
        return out
    te = 1.0 / fps
    a_d = _alpha(d_cutoff, te)
    out[0] = prev = x[0]
    dprev = np.zeros_like(x[0])
    for t in range(1, len(x)):
        dx = (x[t] - prev) / te
        dprev = a_d * dx + (1 - a_d) * dprev
        a = _alpha(min_cutoff + beta * np.abs(dprev), te)
        prev = a * x[t] + (1 - a) * prev
        out[t] = prev
    return out


def savgol_smooth(x: np.ndarray, window: int = 9,
                  polyorder: int = 2) -> np.ndarray:
    """Savitzky-Golay along axis 0 (see the module docstring).

    ``window`` must be odd and larger than ``polyorder``; a sequence
    shorter than ``window`` is filtered with the largest odd window that
    fits (returned unchanged when that is not above ``polyorder``).
    """
    from scipy.signal import savgol_filter
    window, polyorder = int(window), int(polyorder)
    if window < 1 or window % 2 == 0:
        raise ValueError(f'savgol_smooth: window must be an odd positive '
                         f'number of frames, got {window}')
    if not 0 <= polyorder < window:
        raise ValueError(f'savgol_smooth: polyorder must be in [0, window), '
                         f'got polyorder={polyorder}, window={window}')
    x = np.asarray(x, np.float64)
    T = len(x)
    if T < window:
        window = T if T % 2 else T - 1
        if window <= polyorder:
            return x.copy()
    return savgol_filter(x, window, polyorder, axis=0, mode='interp')


def smooth_sequence(x: np.ndarray, cfg: Optional[dict],
                    fps: float = 30.0) -> np.ndarray:
    """Filter ``(T, ...)`` with ``cfg`` (``None``: unchanged):
    ``dict(type='one_euro', min_cutoff=, beta=, d_cutoff=)`` (``fps`` is
    the sequence's unless ``cfg`` sets it) or ``dict(type='savgol',
    window=, polyorder=)``."""
    if not cfg:
        return np.asarray(x, np.float64)
    cfg = dict(cfg)
    kind = cfg.pop('type', None)
    if kind == 'one_euro':
        cfg.setdefault('fps', fps)
        return one_euro_filter(x, **cfg)
    if kind == 'savgol':
        return savgol_smooth(x, **cfg)
    raise ValueError(f'smoothing: unknown type {kind!r}; choose from '
                     f'{", ".join(SMOOTHERS)} (e.g. dict(type=\'savgol\', '
                     'window=9, polyorder=2))')
