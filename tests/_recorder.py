"""structlog configured to end in a Recorder: what reached the application's renderer."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import structlog
from structlog.exceptions import DropEvent
from structlog.typing import EventDict, WrappedLogger


class Recorder:
    """A final structlog processor keeping what reached it, and dropping it."""

    def __init__(self) -> None:
        self.events: list[EventDict] = []

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> Any:
        self.events.append(event_dict)
        raise DropEvent


@contextlib.contextmanager
def recording() -> Iterator[Recorder]:
    """structlog configured to end in a new Recorder; the previous configuration restored."""
    old = structlog.get_config()
    rec = Recorder()
    structlog.configure(processors=[rec])
    try:
        yield rec
    finally:
        structlog.configure(**old)
