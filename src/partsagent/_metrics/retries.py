"""stamina's retry events of the library's own requests, through the library's logger.

stamina's hooks are process-wide, and its default one logs to structlog, which
prints to stdout when the application configured nothing. The library leaves
the application's hooks in place and wraps them: a retry scheduled inside
``library_retries()`` is logged as ``stamina.retry_scheduled`` through the
library's logger (``log``: silent until the application configures logging)
instead of by stamina's own logging hooks, and still reaches every other hook
(Prometheus, the application's own). Any other retry in the process reaches
the hooks exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from .log import get_logger

if TYPE_CHECKING:
    from stamina.instrumentation import RetryDetails, RetryHook

__all__ = ["library_retries", "route_retry_events"]

_log = get_logger()
_ours: ContextVar[bool] = ContextVar("partsagent_library_retries", default=False)
#: stamina's own logging hooks: replaced, for the library's retries, by the library's logger.
_STAMINA_LOGGING = ("stamina.instrumentation._structlog", "stamina.instrumentation._logging")


@contextmanager
def library_retries() -> Iterator[None]:
    """Mark the retries scheduled inside the block as the library's own."""
    token = _ours.set(True)
    try:
        yield
    finally:
        _ours.reset(token)


class _Router:
    """The one hook installed: the library's retries to its logger, the rest as before."""

    __slots__ = ("hooks", "others")

    def __init__(self, hooks: tuple[RetryHook, ...]) -> None:
        self.hooks = hooks
        self.others = tuple(
            h for h in hooks if getattr(h, "__module__", None) not in _STAMINA_LOGGING
        )

    def __call__(self, details: RetryDetails) -> None:
        if not _ours.get():
            for hook in self.hooks:
                hook(details)
            return
        _log.warning(
            "stamina.retry_scheduled",
            retry_num=details.retry_num,
            caused_by=repr(details.caused_by),
            wait_for=round(details.wait_for, 2),
            waited_so_far=round(details.waited_so_far, 2),
        )
        for hook in self.others:
            hook(details)


def route_retry_events() -> None:
    """Wrap stamina's hooks in the router, unless they are wrapped already.

    Called when a request failed, before stamina runs its hooks: stamina (and
    the structlog or Prometheus its default hooks import) is set up only when
    a retry happens, and hooks the application set since are wrapped anew.
    """
    from stamina.instrumentation import get_on_retry_hooks, set_on_retry_hooks

    hooks: Any = get_on_retry_hooks()
    if len(hooks) == 1 and isinstance(hooks[0], _Router):
        return
    set_on_retry_hooks((_Router(tuple(hooks)),))
