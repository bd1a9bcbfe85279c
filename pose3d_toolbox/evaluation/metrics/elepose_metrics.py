"""Metrics of ElePose's likelihood output (Wandt et al. 2022, Sec. 4.3).

- :class:`MeanNLLMetric`: mean and median of ``pred_nll`` (stage 1: the
  held-out NLL of test 2D poses under the flow).
- :class:`NLLErrorCorrelationMetric`: how well a prediction's NLL predicts
  its error -- Pearson and Spearman correlation between ``pred_nll`` and the
  per-pose PA-MPJPE, and the box plot of NLL per error bin (Fig. 5) saved as
  a PNG.
"""
import logging
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmengine.structures import BaseDataElement

from pose3d_toolbox.registry import METRICS
from ..functional import pa_mpjpe
from .base_pose3d_metric import BasePose3DMetric


def _nll_of(samples) -> np.ndarray:
    values = []
    for i, s in enumerate(samples):
        s = s.to_dict() if isinstance(s, BaseDataElement) else s
        if s.get('pred_nll') is None:
            raise KeyError(f'data sample {i} has no pred_nll: the model must '
                           'be an ElePose/ElePoseFlow (or set pred_nll)')
        values.append(float(s['pred_nll']))
    return np.asarray(values)


def correlations(x: np.ndarray, y: np.ndarray) -> Dict[str, float]:
    """Pearson and Spearman correlation of two ``(N,)`` arrays."""
    from scipy import stats
    if len(x) < 3 or np.std(x) == 0 or np.std(y) == 0:
        return dict(pearson=float('nan'), spearman=float('nan'))
    return dict(pearson=float(stats.pearsonr(x, y)[0]),
                spearman=float(stats.spearmanr(x, y)[0]))


def plot_nll_vs_error(errors_mm: np.ndarray, nll: np.ndarray, path: str,
                      bins=(20, 120, 5), title: str = '') -> str:
    """Box plot of NLL per PA-MPJPE bin (as ElePose Fig. 5): bins of
    ``bins[2]`` mm from ``bins[0]``; the last bin ``bins[1]`` holds every
    error at or above it, the first everything below ``bins[0] + step``."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    lo, hi, step = bins
    edges = np.arange(lo, hi + step, step)
    index = np.clip(np.digitize(errors_mm, edges) - 1, 0, len(edges) - 1)
    groups = [nll[index == i] for i in range(len(edges))]
    labels = [f'{e:g}' for e in edges]
    labels[-1] += '+'
    fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(edges)), 4))
    keep = [i for i, g in enumerate(groups) if len(g)]
    ax.boxplot([groups[i] for i in keep], showfliers=False)
    ax.set_xticks(range(1, len(keep) + 1))
    ax.set_xticklabels([labels[i] for i in keep], rotation=90)
    ax.set_xlabel('PA-MPJPE bin (mm)')
    ax.set_ylabel('negative log-likelihood')
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


@METRICS.register_module()
class MeanNLLMetric(BaseMetric):
    """``nll`` (mean) and ``nll_median`` of the samples' ``pred_nll``."""

    default_prefix: Optional[str] = ''

    def process(self, data_batch, data_samples: Sequence) -> None:
        self.results.extend(dict(nll=v) for v in _nll_of(data_samples))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        nll = np.array([r['nll'] for r in results])
        return dict(nll=float(nll.mean()), nll_median=float(np.median(nll)))


@METRICS.register_module()
class NLLErrorCorrelationMetric(BasePose3DMetric):
    """Correlation of ``pred_nll`` with the per-pose PA-MPJPE, and Fig. 5.

    Keys: ``nll`` (mean NLL), ``nll_pearson``, ``nll_spearman`` (correlation
    of NLL with PA-MPJPE over the test poses; positive = the likelihood
    flags bad poses). The plot is written to ``out_file``; by default
    ``nll_vs_error.png`` in the current run's log directory
    (``<work_dir>/<timestamp>/``, where ``tools/test.py`` logs), or the
    working directory outside a Runner.

    Args:
        out_file: PNG path, or None for the default above.
        bins: ``(first, last, step)`` of the error bins in mm (Fig. 5:
            ``(20, 120, 5)``).
        **kwargs: see :class:`BasePose3DMetric`.
    """

    def __init__(self, out_file: Optional[str] = None, bins=(20, 120, 5),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.out_file, self.bins = out_file, tuple(bins)

    def sample_results(self, batch: dict) -> Dict[str, np.ndarray]:
        pred, gt = self.root_aligned(batch)
        return dict(pa_mpjpe=pa_mpjpe(pred, gt), nll=_nll_of(batch['samples']))

    def summarise(self, results: List[dict]) -> Dict[str, float]:
        err = self.stacked(results, 'pa_mpjpe')
        nll = self.stacked(results, 'nll')
        corr = correlations(nll, err)
        return dict(nll=float(nll.mean()), nll_pearson=corr['pearson'],
                    nll_spearman=corr['spearman'])

    def default_out_file(self) -> str:
        log_file = MMLogger.get_current_instance().log_file
        folder = osp.dirname(log_file) if log_file else '.'
        return osp.join(folder, 'nll_vs_error.png')

    def compute_metrics(self, results: list) -> Dict[str, float]:
        metrics = super().compute_metrics(results)
        err = self.stacked(results, 'pa_mpjpe')
        nll = self.stacked(results, 'nll')
        path = plot_nll_vs_error(
            err, nll, self.out_file or self.default_out_file(), self.bins,
            title=f'{len(err)} poses; Pearson {metrics["nll_pearson"]:.3f}, '
            f'Spearman {metrics["nll_spearman"]:.3f}')
        print_log(f'NLL vs PA-MPJPE over {len(err)} poses: Pearson '
                  f'{metrics["nll_pearson"]:.3f}, Spearman '
                  f'{metrics["nll_spearman"]:.3f}; plot saved to {path}',
                  logger='current', level=logging.INFO)
        return metrics
