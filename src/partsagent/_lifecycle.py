"""``async with`` for everything the library opens: one mixin instead of a copy per class.

A class that holds a resource (a session, a server, a planner's client) says
how it opens (``_open``, optional) and how it closes (``aclose``); the mixin
gives it ``async with``, which always closes, even when the body raises.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

__all__ = ["AsyncResource"]


class AsyncResource:
    """Entering runs ``_open``; leaving, however the block ends, runs ``aclose``."""

    __slots__ = ()

    async def _open(self) -> None:
        """Start or check the resource on entry (nothing by default)."""

    async def aclose(self) -> None:
        """Release the resource; safe to call twice."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
