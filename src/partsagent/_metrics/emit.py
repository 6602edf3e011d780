"""Whether metric events are emitted, and where they go: aggregators and test captures.

Events are emitted once the app has configured structlog (or installed an
aggregator, or is inside ``capture_metrics()``); ``set_metrics_enabled``
forces it on or off. Processors are put in front of the configured ones, so
the application's own logging stays as it set it up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .aggregator import SummaryAggregator
from .log import structlog_configured

if TYPE_CHECKING:
    from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = [
    "capture_metrics",
    "install_aggregator",
    "metrics_enabled",
    "set_metrics_enabled",
    "uninstall_aggregator",
]

_enabled: bool | None = None
_installed: dict[int, Callable[[], None]] = {}
_capturing = 0


def set_metrics_enabled(enabled: bool | None) -> None:
    """Turn metric events on or off, process-wide; collectors keep recording either way.

    ``None`` (the default) emits once the application has configured structlog
    or installed an aggregator or ``capture_metrics()``: an app that did none of
    these would otherwise see a line on stdout for every catalog lookup.
    """
    global _enabled
    _enabled = None if enabled is None else bool(enabled)


def metrics_enabled() -> bool:
    """True if timers emit structlog events now."""
    if _enabled is not None:
        return _enabled
    return bool(_installed) or _capturing > 0 or structlog_configured()


def _put_first(processor: Processor) -> Callable[[], None]:
    """Run ``processor`` before the configured ones; return a function undoing it.

    The configured list is changed in place when it is a list, so loggers that
    cached it (``cache_logger_on_first_use``) see the change too.
    """
    import structlog  # whoever installs a processor uses structlog

    processors = structlog.get_config()["processors"]
    if isinstance(processors, list):
        processors.insert(0, processor)

        def undo() -> None:
            for i, p in enumerate(processors):
                if p is processor:
                    del processors[i]
                    return

        return undo
    original = processors
    structlog.configure(processors=[processor, *processors])
    return lambda: structlog.configure(processors=original)


def install_aggregator(aggregator: SummaryAggregator) -> None:
    """Put ``aggregator`` in front of the configured structlog processors (idempotent).

    Call after ``structlog.configure``; with ``drop=True`` metric events stop
    at the aggregator and never reach the renderer.
    """
    if id(aggregator) not in _installed:
        _installed[id(aggregator)] = _put_first(aggregator)
        aggregator.count_hits()


def uninstall_aggregator(aggregator: SummaryAggregator) -> None:
    """Remove an aggregator installed with ``install_aggregator`` (no-op otherwise)."""
    undo = _installed.pop(id(aggregator), None)
    if undo is not None:
        undo()
        aggregator.count_hits(False)


@contextmanager
def capture_metrics() -> Iterator[list[EventDict]]:
    """Capture the metric events emitted inside the block, for tests.

    Like ``structlog.testing.capture_logs`` but only for events with
    ``metric=True``: they are appended to the yielded list and dropped; other
    events go through the configured processors as usual. The previous
    processor configuration is restored on exit. Emission must be enabled
    (``metrics_enabled()``) and info level not filtered out.
    """
    from structlog.exceptions import DropEvent

    captured: list[EventDict] = []

    def capture(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        if event_dict.get("metric") is True:
            event_dict.setdefault("log_level", method_name)
            captured.append(event_dict)
            raise DropEvent
        return event_dict

    global _capturing
    undo = _put_first(capture)
    _capturing += 1
    try:
        yield captured
    finally:
        _capturing -= 1
        undo()
