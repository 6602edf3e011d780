"""The library's warnings as the CLI shows them: one line on stderr per kind, the first time.

A failing catalog retries every look-up and may open its circuit breaker; a
shared cache may hold values it cannot use. Each is worth knowing about while a
report or a batch runs, but not a line per retry: the first event of each kind
becomes one ``partsagent: warning: ...`` line and the rest are counted silently
(the batch's summary table has the figures). Every other library event is
dropped, except critical ones.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

__all__ = ["WarningLines"]

_KINDS = {
    "stamina.retry_scheduled": "retries",
    "partsagent.breaker.opened": "breaker",
    "partsagent.cache.read_failed": "cache",
    "partsagent.cache.write_failed": "cache",
    "partsagent.cache.bad_value": "cache",
    "partsagent.cache.unnamed": "cache",
}
_REPR = re.compile(r"(?s)^(\w+)\((['\"])(.*)\2\)$")


def _cause(text: str) -> str:
    """``CatalogUnavailable('... HTTP 503; retry later ...')`` -> the error and its first clause."""
    match = _REPR.match(text)
    if match is not None:
        name, _, message = match.groups()
        text = f"{name}: {message.split('; ')[0]}"
    return text if len(text) <= 160 else text[:157] + "..."


def _line(kind: str, event: MutableMapping[str, Any]) -> str:
    if kind == "retries":
        return (
            f"catalog requests failed and are being retried (first: "
            f"{_cause(str(event.get('caused_by', '')))}); further retries are not shown"
        )
    if kind == "breaker":
        return (
            f"the catalog's circuit breaker opened ({event.get('failures')} of the last "
            f"{event.get('calls')} requests failed): look-ups fail at once until it probes again"
        )
    name = str(event.get("event", "")).rpartition(".")[2].replace("_", " ")
    what = event.get("key", event.get("error_type", ""))
    return f"the shared cache: {name} ({what}); taken as a miss, the catalog is asked"


class WarningLines:
    """A structlog processor writing one warning line per kind to ``stream``."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.seen: dict[str, int] = {}

    def __call__(self, logger: object, method: str, event: MutableMapping[str, Any]) -> Any:
        kind = _KINDS.get(str(event.get("event")))
        if kind is not None:
            count = self.seen.get(kind, 0)
            self.seen[kind] = count + 1
            if count == 0:
                self.stream.write(f"partsagent: warning: {_line(kind, event)}\n")
                self.stream.flush()
        if method != "critical":
            raise structlog.DropEvent
        return event
