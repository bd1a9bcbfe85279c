"""Evaluation: a pure numpy functional core and registered mmengine metrics.

Importing this package registers the metrics; the ``METRICS`` registry lists
``pose3d_toolbox.evaluation`` as a lazy location, so configs never import it
by hand.
"""
from . import functional
from .metrics import (BasePose3DMetric, CPSMetric, MRPEMetric, PCK3DMetric,
                      PoseErrorMetric)

__all__ = [
    'functional', 'BasePose3DMetric', 'PoseErrorMetric', 'MRPEMetric',
    'PCK3DMetric', 'CPSMetric'
]
