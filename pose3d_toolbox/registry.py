"""Registries of pose3d_toolbox.

Every registry is a child of the matching root registry of mmengine, so that
mmengine's Runner finds the toolbox's parts when a config sets
``default_scope = 'pose3d_toolbox'``. ``locations`` lists the modules
imported lazily the first time a registry is searched, so
``import pose3d_toolbox`` stays cheap and a config never has to import a
module by hand.

Example:
    >>> from pose3d_toolbox.registry import MODELS
    >>> @MODELS.register_module()
    ... class MyHead(torch.nn.Module):
    ...     ...
    >>> head = MODELS.build(dict(type='MyHead'))
"""
import difflib

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import \
    RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import \
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

_SCOPE = 'pose3d_toolbox'


class ToolboxRegistry(Registry):
    """A :class:`mmengine.registry.Registry` whose ``build`` explains an
    unknown ``type``: the error names the registry and the closest registered
    names, instead of mmengine's bare ``KeyError``."""

    def build(self, cfg, *args, **kwargs):
        obj_type = cfg.get('type') if isinstance(cfg, dict) else None
        if isinstance(obj_type, str) and self.get(obj_type) is None:
            known = sorted(self._all_names())
            close = difflib.get_close_matches(
                obj_type.split('.')[-1], known, n=5, cutoff=0.5)
            hint = (f' Closest registered names: {", ".join(close)}.'
                    if close else '')
            raise KeyError(
                f"'{obj_type}' is not registered in the '{self.name}' "
                f'registry (scope {self.scope!r}).{hint} Register it with '
                f'@{self.name.upper()}.register_module() and import its '
                'module '
                "through `custom_imports` in the config.")
        return super().build(cfg, *args, **kwargs)

    def _all_names(self):
        self.import_from_location()
        names = set(self.module_dict)
        parent = self.parent
        while parent is not None:
            parent.import_from_location()
            names.update(parent.module_dict)
            parent = parent.parent
        return names


def _child(name, parent, *locations):
    return ToolboxRegistry(
        name, parent=parent, scope=_SCOPE,
        locations=[f'{_SCOPE}.{loc}' for loc in locations])


RUNNERS = _child('runner', MMENGINE_RUNNERS, 'engine')
RUNNER_CONSTRUCTORS = _child('runner constructor',
                             MMENGINE_RUNNER_CONSTRUCTORS, 'engine')
LOOPS = _child('loop', MMENGINE_LOOPS, 'engine')
HOOKS = _child('hook', MMENGINE_HOOKS, 'engine')
LOG_PROCESSORS = _child('log processor', MMENGINE_LOG_PROCESSORS, 'engine')

DATASETS = _child('dataset', MMENGINE_DATASETS, 'datasets')
DATA_SAMPLERS = _child('data sampler', MMENGINE_DATA_SAMPLERS, 'datasets')
TRANSFORMS = _child('transform', MMENGINE_TRANSFORMS, 'datasets.transforms')

MODELS = _child('model', MMENGINE_MODELS, 'models')
MODEL_WRAPPERS = _child('model wrapper', MMENGINE_MODEL_WRAPPERS, 'models')
WEIGHT_INITIALIZERS = _child('weight initializer',
                             MMENGINE_WEIGHT_INITIALIZERS, 'models')

OPTIMIZERS = _child('optimizer', MMENGINE_OPTIMIZERS, 'engine')
OPTIM_WRAPPERS = _child('optim wrapper', MMENGINE_OPTIM_WRAPPERS, 'engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
                                    'engine')
PARAM_SCHEDULERS = _child('parameter scheduler', MMENGINE_PARAM_SCHEDULERS,
                          'engine')

METRICS = _child('metric', MMENGINE_METRICS, 'evaluation')
EVALUATORS = _child('evaluator', MMENGINE_EVALUATOR, 'evaluation')

VISUALIZERS = _child('visualizer', MMENGINE_VISUALIZERS, 'visualization')
VISBACKENDS = _child('vis backend', MMENGINE_VISBACKENDS, 'visualization')

# Keypoint codecs have no mmengine root: they are the toolbox's own.
KEYPOINT_CODECS = ToolboxRegistry(
    'keypoint codec', scope=_SCOPE, locations=[f'{_SCOPE}.codecs'])
