"""Single-flight: identical look-ups in flight share one load, owned by the manager.

A load is a task the manager starts and owns; it resolves one flight (a single
request) or several (a batch). Waiters await a flight's future through a
shield, so cancelling one waiter never cancels the load the others wait for;
when the last waiter of every flight of a load has left, the load is
cancelled and forgotten.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

__all__ = ["Flight", "Flights", "Load"]


@dataclass(slots=True, eq=False)
class Flight:
    """One key being loaded; waiters await its future through a shield."""

    key: str
    future: asyncio.Future[Any]
    load: Load | None = None
    waiters: int = 0
    claimed: bool = True
    """False while a batch prefetch holds the key and no lookup has counted its miss."""
    path: str = ""
    """The contract path of the key's document."""


@dataclass(slots=True, eq=False)
class Load:
    """The manager-owned task that resolves one or more flights."""

    flights: list[Flight]
    task: asyncio.Task[None] | None = None
    group: tuple[str, str, str] | None = None
    """(manufacturer, kind, lane) of a batch load still accepting keys."""


class Flights:
    """The flights in progress by key, the loads that resolve them, and batches still open."""

    def __init__(self) -> None:
        self.by_key: dict[str, Flight] = {}
        self.loads: set[Load] = set()
        self.open_batches: dict[tuple[str, str, str], Load] = {}

    def get(self, key: str) -> Flight | None:
        return self.by_key.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self.by_key

    def new(self, key: str) -> Flight:
        flight = Flight(key, asyncio.get_running_loop().create_future())
        # Mark every outcome as retrieved: a flight whose waiters all left must not log.
        flight.future.add_done_callback(_consume)
        self.by_key[key] = flight
        return flight

    def start(self, load: Load, coro: Awaitable[None]) -> None:
        """Run ``coro`` as the task of ``load``; whatever happens, every flight ends."""
        for flight in load.flights:
            flight.load = load

        async def run() -> None:
            try:
                await coro
            except Exception as exc:
                # A bug, not a catalog error: still every waiter hears of it, once.
                for flight in load.flights:
                    if not flight.future.done():
                        flight.future.set_exception(exc)
            finally:
                self.close_batch(load)
                for flight in load.flights:
                    if self.by_key.get(flight.key) is flight:
                        del self.by_key[flight.key]
                    if not flight.future.done():
                        flight.future.cancel()
                self.loads.discard(load)

        load.task = asyncio.get_running_loop().create_task(run(), name="partsagent-load")
        self.loads.add(load)

    def close_batch(self, load: Load) -> None:
        """Stop ``load`` from accepting more keys."""
        if load.group is not None and self.open_batches.get(load.group) is load:
            del self.open_batches[load.group]

    async def wait(self, flight: Flight) -> Any:
        """The flight's result; the last waiter to leave an unfinished load cancels it."""
        flight.waiters += 1
        try:
            return await asyncio.shield(flight.future)
        finally:
            flight.waiters -= 1
            load = flight.load
            if (
                flight.waiters == 0
                and not flight.future.done()
                and load is not None
                and all(f.waiters == 0 and f.claimed for f in load.flights if not f.future.done())
            ):
                # Nobody is left to want this load: stop it and forget its flights.
                self.close_batch(load)
                for f in load.flights:
                    if self.by_key.get(f.key) is f:
                        del self.by_key[f.key]
                if load.task is not None:
                    load.task.cancel()

    def tasks(self) -> list[asyncio.Task[None]]:
        return [load.task for load in self.loads if load.task is not None]

    async def drain(self) -> None:
        """Wait until every load has finished; cancels nothing."""
        while tasks := self.tasks():
            await asyncio.wait(tasks)

    async def cancel_all(self) -> None:
        """Cancel every load and wait for them to end."""
        tasks = self.tasks()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
