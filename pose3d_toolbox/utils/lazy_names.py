"""Package names imported on first use (PEP 562), so that a package's
numpy-only parts import without its PyTorch parts."""
import importlib
from typing import Callable, Dict, Tuple


def lazy_names(package: str, modules: Dict[str, str]
               ) -> Tuple[Callable, Callable]:
    """``(__getattr__, __dir__)`` of ``package`` whose public name ``n``
    lives in its submodule ``modules[n]``: the submodule is imported when
    the name is first read, and the name then cached in the package."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name):
        if name not in modules:
            raise AttributeError(
                f'module {package!r} has no attribute {name!r}')
        value = getattr(importlib.import_module(f'.{modules[name]}',
                                                package), name)
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(namespace) | set(modules))

    return __getattr__, __dir__
