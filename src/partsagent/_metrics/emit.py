"""Whether metric events are emitted, and where they go: consumers first, your logs if asked.

The rule: **a library never starts printing on its own.** Metric events are
emitted only while something the application set up consumes them (an
aggregator from ``install_aggregator``, an exporter from ``partsagent.otel`` or
``partsagent.prometheus``, a ``capture_metrics()`` block), or after
``set_metrics_enabled(True)``. Configuring structlog does not switch them on,
and neither does ``structlog.testing.capture_logs()``.

One dispatching processor is put in front of the configured ones: it hands each
metric event to every consumer, whatever the order they were installed in, and
then drops it, unless ``set_metrics_enabled(True)`` asked for metric events in
the application's own log output (and no consumer dropped it). Other events
pass through untouched, so the application's logging stays as it set it up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .aggregator import SummaryAggregator

if TYPE_CHECKING:
    from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = [
    "add_consumer",
    "capture_metrics",
    "install_aggregator",
    "metrics_enabled",
    "remove_consumer",
    "set_metrics_enabled",
    "uninstall_aggregator",
]

Consumer = Callable[["WrappedLogger", str, "EventDict"], object]
"""A structlog processor that sees metric events; raising DropEvent keeps them out of the logs."""

_forced: bool | None = None
_consumers: dict[object, Consumer] = {}
_undo_dispatch: Callable[[], None] | None = None
_on = False
_active: tuple[Consumer, ...] = ()  # the consumers, copied once per change, not per event


def _refresh() -> None:
    global _on, _active
    _on = _forced if _forced is not None else bool(_consumers)
    _active = tuple(_consumers.values())


def set_metrics_enabled(enabled: bool | None) -> None:
    """Force metric events on (into your log output too) or off; None restores the default.

    ``True``: always emitted, and passed on to your structlog processors after
    the consumers. ``False``: never emitted, even to consumers (benchmarks).
    ``None`` (the default): emitted only while a consumer is installed, and
    kept out of your log output. Per-report collectors record either way.
    """
    global _forced
    _forced = None if enabled is None else bool(enabled)
    _refresh()


def metrics_enabled() -> bool:
    """True if timers emit structlog events now."""
    return _on


def _dispatch(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    if event_dict.get("metric") is not True:
        return event_dict
    from structlog.exceptions import DropEvent  # structlog is calling: it is loaded

    drop = _forced is not True
    for consumer in _active:
        try:
            consumer(logger, method_name, event_dict)
        except DropEvent:
            drop = True
    if drop:
        raise DropEvent
    return event_dict


def _put_first(processor: Processor) -> Callable[[], None]:
    """Run ``processor`` before the configured ones; return a function undoing it.

    The configured list is changed in place when it is a list, so loggers that
    cached it (``cache_logger_on_first_use``) see the change too.
    """
    import structlog  # whoever adds a consumer uses structlog: loaded on first need

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


def _dispatch_in_place() -> bool:
    """True if the dispatcher is still first in the configured processors."""
    import structlog

    processors = structlog.get_config()["processors"]
    return bool(processors) and processors[0] is _dispatch


def add_consumer(key: object, consumer: Consumer) -> None:
    """Hand every metric event to ``consumer`` from now on (idempotent per ``key``).

    Call after ``structlog.configure``: configuring again replaces the
    processors, dispatcher included; adding a consumer puts it back.
    """
    global _undo_dispatch
    _consumers[key] = consumer
    if _undo_dispatch is None or not _dispatch_in_place():
        if _undo_dispatch is not None:
            _undo_dispatch()
        _undo_dispatch = _put_first(_dispatch)
    _refresh()


def remove_consumer(key: object) -> None:
    """Stop handing events to the consumer added under ``key`` (no-op if there is none)."""
    global _undo_dispatch
    if _consumers.pop(key, None) is not None and not _consumers and _undo_dispatch is not None:
        _undo_dispatch()
        _undo_dispatch = None
    _refresh()


def install_aggregator(aggregator: SummaryAggregator) -> None:
    """Feed every metric event to ``aggregator`` (idempotent); call after ``structlog.configure``.

    Installing a consumer switches metric events on (see the module's rule);
    they stay out of your log output unless ``set_metrics_enabled(True)``.
    Cache hits, which are not events, are counted into it too.
    """
    add_consumer(("aggregator", id(aggregator)), aggregator)
    aggregator.count_hits()


def uninstall_aggregator(aggregator: SummaryAggregator) -> None:
    """Remove an aggregator installed with ``install_aggregator`` (no-op otherwise)."""
    remove_consumer(("aggregator", id(aggregator)))
    aggregator.count_hits(False)


@contextmanager
def capture_metrics() -> Iterator[list[EventDict]]:
    """Capture the metric events emitted inside the block, for tests.

    Like ``structlog.testing.capture_logs`` but only for events with
    ``metric=True``: they are appended to the yielded list and dropped; other
    events go through the configured processors as usual. Metric events are on
    inside the block (unless ``set_metrics_enabled(False)``); info level must
    not be filtered out.
    """
    from structlog.exceptions import DropEvent

    captured: list[EventDict] = []

    def capture(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> None:
        event_dict.setdefault("log_level", method_name)
        captured.append(event_dict)
        raise DropEvent

    key = ("capture", id(captured))
    add_consumer(key, capture)
    try:
        yield captured
    finally:
        remove_consumer(key)
