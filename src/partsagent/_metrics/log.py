"""The library's structlog logger, imported on first use.

structlog (and ``rich``, which its console renderer loads when installed) is a
third of what ``import partsagent`` would cost, and a library that is only
imported, or whose catalog is only hit, never logs. An application that
configured structlog has imported it already, so asking whether it is
configured needs no import either.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["Logger", "get_logger", "structlog_configured"]


class Logger:
    """``structlog.get_logger(name)``, created when a first method is called."""

    __slots__ = ("_name", "_proxy")

    def __init__(self, name: str) -> None:
        self._name = name
        self._proxy: Any = None

    def __repr__(self) -> str:
        return f"Logger({self._name!r})"

    def __getattr__(self, method: str) -> Any:
        proxy = self._proxy
        if proxy is None:
            import structlog

            proxy = self._proxy = structlog.get_logger(self._name)
        return getattr(proxy, method)


def get_logger(name: str = "partsagent") -> Any:
    """The logger a module of the library logs through (``_log.warning(...)``)."""
    return Logger(name)


def structlog_configured() -> bool:
    """``structlog.is_configured()``, False without importing structlog if nobody did."""
    structlog = sys.modules.get("structlog")
    return structlog is not None and bool(structlog.is_configured())
