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
import inspect
import re

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
    """A :class:`mmengine.registry.Registry` that explains an unknown type.

    The error names the registry as users import it (``import_name``, e.g.
    ``MODELS``) and the closest registered names, instead of mmengine's bare
    ``KeyError`` (or, for an optimizer, ``TypeError: None is not a callable
    object``). It is raised whether the child is built directly or, as the
    Runner does, through mmengine's root registry in the toolbox's scope
    (see :func:`_guard_root`).
    """

    def __init__(self, name, import_name, type_key='type', **kwargs):
        super().__init__(name, **kwargs)
        self.import_name = import_name
        self.type_key = type_key

    def build(self, cfg, *args, **kwargs):
        self.check_type(cfg)
        with explain_unknown_argument(self, cfg):
            return super().build(cfg, *args, **kwargs)

    def check_type(self, cfg) -> None:
        """Raise :meth:`unknown_type_error` if ``cfg`` names an unknown
        type (a string ``type``, or ``runner_type`` for runners)."""
        obj_type = cfg.get(self.type_key) if isinstance(cfg, dict) else None
        if isinstance(obj_type, str) and self.get(obj_type) is None:
            raise self.unknown_type_error(obj_type)

    def unknown_type_error(self, obj_type: str) -> KeyError:
        """The error for an unregistered ``obj_type``."""
        by_lower = {n.lower(): n for n in sorted(self._all_names())}
        close = [by_lower[n] for n in difflib.get_close_matches(
            obj_type.split('.')[-1].lower(), list(by_lower), n=5,
            cutoff=0.5)]
        if close:
            hint = f' Closest registered names: {", ".join(close)}.'
        else:
            names = sorted(by_lower.values())
            hint = f' Registered names: {", ".join(names[:40])}.'
        return KeyError(
            f"{self.type_key}='{obj_type}' is not registered in "
            f'{self.import_name} (pose3d_toolbox.registry.{self.import_name}'
            f', the {self.name!r} registry).{hint} Fix the name, or register '
            f'your class with @{self.import_name}.register_module() and '
            'import its module through `custom_imports` in the config.')

    def _all_names(self):
        self.import_from_location()
        names = set(self.module_dict)
        parent = self.parent
        while parent is not None:
            parent.import_from_location()
            names.update(parent.module_dict)
            parent = parent.parent
        return names


class UnknownArgumentError(TypeError):
    """A config key that the built class does not take (e.g. a typo such as
    ``train_cfg.max_epochz``), named with the arguments it does take."""


_UNEXPECTED = re.compile(r"got an unexpected keyword argument '(\w+)'")


def init_arguments(cls) -> list:
    """The keyword arguments ``cls(...)`` takes: the parameters of its
    ``__init__`` and, through ``**kwargs``, of its parents'."""
    names = []
    for klass in getattr(cls, '__mro__', ()):
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            break
        names += [p.name for p in params if p.name != 'self' and p.kind in (
            p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in names]
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return names


class explain_unknown_argument:
    """Turn ``TypeError: ...__init__() got an unexpected keyword argument
    'k'`` raised while building ``cfg`` into an :class:`UnknownArgumentError`
    naming the type, its registry, the close argument names and the fix,
    when ``k`` is a key of ``cfg`` that the class does not take."""

    def __init__(self, registry: Registry, cfg):
        self.registry, self.cfg = registry, cfg

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None or not issubclass(exc_type, TypeError) or \
                isinstance(exc, UnknownArgumentError) or \
                not isinstance(self.cfg, dict):
            return False
        found = _UNEXPECTED.search(str(exc))
        obj_type = self.cfg.get('type')
        cls = (self.registry.get(obj_type) if isinstance(obj_type, str)
               else obj_type)
        if found is None or found.group(1) not in self.cfg or \
                not inspect.isclass(cls):
            return False
        key, takes = found.group(1), init_arguments(cls)
        if key in takes:
            return False
        close = difflib.get_close_matches(key, takes, n=3, cutoff=0.6)
        hint = f' Did you mean {" or ".join(close)}?' if close else ''
        name = getattr(self.registry, 'import_name', self.registry.name)
        raise UnknownArgumentError(
            f'{cls.__name__} (type={cls.__name__!r} in {name}) takes no '
            f'argument {key!r}, set in its config dict.{hint} It takes: '
            f'{", ".join(takes)}. Fix or remove the key in the config or '
            'in --cfg-options.') from exc


def _guard_root(root: Registry) -> None:
    """Make ``root.build`` check the type in the registry it will search.

    mmengine's Runner builds through the root registries, which switch to
    the child of the config's ``default_scope`` and call ``get`` on it
    directly, bypassing :meth:`ToolboxRegistry.build`. The guard switches
    the same way first and lets the toolbox child check the type.
    """
    build_func = root.build_func
    if getattr(build_func, 'toolbox_guard', False):
        return

    def guarded(cfg, *args, registry, **kwargs):
        if isinstance(cfg, dict):
            with registry.switch_scope_and_registry(
                    cfg.get('_scope_')) as scoped:
                if isinstance(scoped, ToolboxRegistry):
                    scoped.check_type(cfg)
                    _check_optimizer(scoped, cfg)
            with explain_unknown_argument(scoped, cfg):
                return build_func(cfg, *args, registry=registry, **kwargs)
        return build_func(cfg, *args, registry=registry, **kwargs)

    guarded.toolbox_guard = True
    root.build_func = guarded


def _check_optimizer(registry, cfg) -> None:
    """mmengine's optimizer-wrapper constructor looks the optimizer type up
    with ``get`` and calls ``inspect.signature(None)`` when it is unknown;
    check it when the constructor is built."""
    if registry is not OPTIM_WRAPPER_CONSTRUCTORS:
        return
    optimizer = (cfg.get('optim_wrapper_cfg') or {}).get('optimizer')
    if isinstance(optimizer, dict):
        OPTIMIZERS.check_type(optimizer)


def _child(name, import_name, parent, *locations, type_key='type'):
    _guard_root(parent)
    return ToolboxRegistry(
        name, import_name, type_key=type_key, parent=parent, scope=_SCOPE,
        locations=[f'{_SCOPE}.{loc}' for loc in locations])


RUNNERS = _child('runner', 'RUNNERS', MMENGINE_RUNNERS, 'engine',
                 type_key='runner_type')
RUNNER_CONSTRUCTORS = _child('runner constructor', 'RUNNER_CONSTRUCTORS',
                             MMENGINE_RUNNER_CONSTRUCTORS, 'engine')
LOOPS = _child('loop', 'LOOPS', MMENGINE_LOOPS, 'engine')
HOOKS = _child('hook', 'HOOKS', MMENGINE_HOOKS, 'engine')
LOG_PROCESSORS = _child('log processor', 'LOG_PROCESSORS',
                        MMENGINE_LOG_PROCESSORS, 'engine')

DATASETS = _child('dataset', 'DATASETS', MMENGINE_DATASETS, 'datasets')
DATA_SAMPLERS = _child('data sampler', 'DATA_SAMPLERS',
                       MMENGINE_DATA_SAMPLERS, 'datasets')
TRANSFORMS = _child('transform', 'TRANSFORMS', MMENGINE_TRANSFORMS,
                    'datasets.transforms')

MODELS = _child('model', 'MODELS', MMENGINE_MODELS, 'models')
MODEL_WRAPPERS = _child('model wrapper', 'MODEL_WRAPPERS',
                        MMENGINE_MODEL_WRAPPERS, 'models')
WEIGHT_INITIALIZERS = _child('weight initializer', 'WEIGHT_INITIALIZERS',
                             MMENGINE_WEIGHT_INITIALIZERS, 'models')

OPTIMIZERS = _child('optimizer', 'OPTIMIZERS', MMENGINE_OPTIMIZERS, 'engine')
OPTIM_WRAPPERS = _child('optim wrapper', 'OPTIM_WRAPPERS',
                        MMENGINE_OPTIM_WRAPPERS, 'engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child(
    'optimizer wrapper constructor', 'OPTIM_WRAPPER_CONSTRUCTORS',
    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, 'engine')
PARAM_SCHEDULERS = _child('parameter scheduler', 'PARAM_SCHEDULERS',
                          MMENGINE_PARAM_SCHEDULERS, 'engine')

METRICS = _child('metric', 'METRICS', MMENGINE_METRICS, 'evaluation')
EVALUATORS = _child('evaluator', 'EVALUATORS', MMENGINE_EVALUATOR,
                    'evaluation')

VISUALIZERS = _child('visualizer', 'VISUALIZERS', MMENGINE_VISUALIZERS,
                     'visualization')
VISBACKENDS = _child('vis backend', 'VISBACKENDS', MMENGINE_VISBACKENDS,
                     'visualization')

# Keypoint codecs have no mmengine root: they are the toolbox's own.
KEYPOINT_CODECS = ToolboxRegistry(
    'keypoint codec', 'KEYPOINT_CODECS', scope=_SCOPE,
    locations=[f'{_SCOPE}.codecs'])
