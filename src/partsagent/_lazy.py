"""Names a public module loads only when first asked for, and names that moved away.

One helper for every public module's ``__getattr__``/``__dir__``: a name that
needs an optional extra or a heavy import (``redis_cache``, the process pool)
costs nothing until used, and a name that moved to another public module still
imports from its old place, with a DeprecationWarning naming the new one.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_names"]

Loader = str | Callable[[], Any]
"""The module that holds the name (its attribute of the same name is returned), or a
function returning the value."""


def lazy_names(
    module: str,
    namespace: Mapping[str, Any],
    public: Iterable[str],
    *,
    lazy: Mapping[str, Loader],
    moved: Mapping[str, str] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``module``: ``lazy`` names are loaded when asked for;
    ``moved`` maps a name to the public module it moved to. ``__dir__`` lists the module's
    names (``namespace``, its globals) and the ``public`` ones loaded lazily."""
    moved = moved or {}
    listed = frozenset(public)

    def __getattr__(name: str) -> Any:
        loader = lazy.get(name)
        if loader is not None:
            return loader() if callable(loader) else getattr(import_module(loader), name)
        target = moved.get(name)
        if target is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warnings.warn(
            f"{module}.{name} moved to {target}.{name}; "
            f"import it with 'from {target} import {name}'",
            DeprecationWarning,
            stacklevel=2,
        )
        # Through the public module, so that what it loads lazily stays lazy.
        return getattr(import_module(target), name)

    def __dir__() -> list[str]:
        return sorted({*namespace, *listed})

    return __getattr__, __dir__
