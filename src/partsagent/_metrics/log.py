"""The library's logger: silent until the application configures logging.

A library must not print on its own. structlog, left unconfigured, prints every
event to stdout, in the middle of whatever the host program writes there; so
the library's warnings go through structlog only when the application
configured structlog, and otherwise through the standard ``logging`` module's
``partsagent`` logger, which holds a ``NullHandler``: nothing is shown until
the application sets up ``logging`` (``logging.basicConfig()``, a handler of
its own) and the records propagate to it.

Metric events take the same road: they reach a log only through the sink
the application turns on with ``set_metrics_enabled(True)`` (``sinks.py``);
the aggregator, the exporters and ``capture_metrics`` read the bus, not logs.

structlog (and ``rich``, which its console renderer loads when installed) is a
third of what ``import partsagent`` would cost, and a library that is only
imported, or whose catalog is only hit, never logs. An application that
configured structlog has imported it already, so asking whether it is
configured needs no import either.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

__all__ = ["Logger", "get_logger", "structlog_configured"]

ROOT = "partsagent"
"""The standard ``logging`` logger every event of the library goes through (unless structlog)."""

logging.getLogger(ROOT).addHandler(logging.NullHandler())

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}


def _render(event: str, fields: dict[str, Any]) -> str:
    """``event key=value ...``: the line a plain ``logging`` formatter shows."""
    if not fields:
        return event
    return (
        event
        + " "
        + " ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in fields.items())
    )


class Logger:
    """``warning(event, **fields)``: to structlog if the application configured it, else logging.

    The event's fields reach a ``logging`` handler as the record's
    ``partsagent_event`` and ``partsagent_fields`` attributes, and rendered
    in the message (``event key=value ...``).
    """

    __slots__ = ("_name", "_proxy", "_std")

    def __init__(self, name: str) -> None:
        self._name = name
        self._proxy: Any = None
        self._std = logging.getLogger(name)

    def __repr__(self) -> str:
        return f"Logger({self._name!r})"

    def _structlog(self) -> Any:
        proxy = self._proxy
        if proxy is None:
            import structlog

            proxy = self._proxy = structlog.get_logger(self._name)
        return proxy

    def _log(self, method: str, event: str, fields: dict[str, Any]) -> None:
        if structlog_configured():
            getattr(self._structlog(), method)(event, **fields)
            return
        level = _LEVELS[method]
        if self._std.isEnabledFor(level):
            self._std.log(
                level,
                _render(event, fields),
                extra={"partsagent_event": event, "partsagent_fields": fields},
            )

    def debug(self, event: str, **fields: Any) -> None:
        self._log("debug", event, fields)

    def info(self, event: str, **fields: Any) -> None:
        self._log("info", event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._log("warning", event, fields)

    def error(self, event: str, **fields: Any) -> None:
        self._log("error", event, fields)


def get_logger(name: str = ROOT) -> Logger:
    """The logger a module of the library logs through (``_log.warning(...)``)."""
    return Logger(name)


def structlog_configured() -> bool:
    """``structlog.is_configured()``, False without importing structlog if nobody did."""
    structlog = sys.modules.get("structlog")
    return structlog is not None and bool(structlog.is_configured())
