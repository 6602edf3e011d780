"""fan_out: one look-up per item, concurrently in a task group; each failure stays with its item."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import anyio

from .._exceptions import CatalogUnavailable, PartsAgentError
from .cache import MISSING

__all__ = ["ItemResult", "fan_out"]

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class ItemResult(Generic[R, T]):
    """The outcome of one item of a fan-out: a value or the error that item met."""

    request: R
    value: T | None = None
    error: PartsAgentError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


async def fan_out(
    items: Sequence[R],
    one: Callable[[R], Awaitable[T]],
    deadline: float | None,
    peek: Callable[[R], Any] | None = None,
) -> list[ItemResult[R, T]]:
    """Run ``one`` for every item in an anyio task group; results in input order.

    ``peek`` answers cache hits synchronously, so only misses cost a task.
    """
    results: list[ItemResult[R, T] | None] = [None] * len(items)
    pending: list[int] = []
    for i, item in enumerate(items):
        try:
            value = peek(item) if peek is not None else MISSING
        except PartsAgentError as exc:
            results[i] = ItemResult(item, error=exc)
            continue
        if value is MISSING:
            pending.append(i)
        else:
            results[i] = ItemResult(item, value=value)
    if not pending:
        return results  # type: ignore[return-value]

    async def run(i: int, item: R) -> None:
        try:
            results[i] = ItemResult(item, value=await one(item))
        except PartsAgentError as exc:
            results[i] = ItemResult(item, error=exc)

    with anyio.move_on_after(deadline if deadline is not None else float("inf")):
        async with anyio.create_task_group() as tg:
            for i in pending:
                tg.start_soon(run, i, items[i])
    return [
        r
        if r is not None
        else ItemResult(
            item, error=CatalogUnavailable(repr(item), f"not done within {deadline:g}s")
        )
        for r, item in zip(results, items, strict=True)
    ]
