"""Single-flight across processes: of the processes missing one document, one fetches it.

The in-process single-flight (``flights``) joins identical look-ups of one
process; this joins those of every process sharing a Redis. A process that
misses the shared cache takes a short lease on the key (``SET NX PX``, every
key of a batch in one round trip) and fetches what it leased; a key another
process holds a lease on is waited for instead: until its value is in the
shared cache or its lease is gone (released, or expired with a process that
died), at most ``wait`` seconds, then read from the cache. Whatever is still
missing then is fetched as usual, so a slow or dead peer costs a bounded
delay, never a failed look-up. A Redis that fails means: fetch it yourself.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

from .._metrics.log import get_logger

__all__ = ["DEFAULT_FLIGHT_LEASE", "SharedFlights"]

_log = get_logger()

DEFAULT_FLIGHT_LEASE = 5.0
"""Seconds a process may hold a key before the others stop waiting for it."""
_POLL_MIN = 0.005
_POLL_MAX = 0.05

# KEYS: n leases, then the n values; ARGV: token, lease in ms. Per key: 0 leased now,
# 1 leased by another, 2 already in the cache. Atomic: of two processes claiming one
# batch, the first takes every free key, so the batch is not split between them.
_CLAIM = """
local n = #KEYS / 2
local states = {}
for i = 1, n do
  if redis.call('EXISTS', KEYS[n + i]) == 1 then
    states[i] = 2
  elseif redis.call('SET', KEYS[i], ARGV[1], 'NX', 'PX', ARGV[2]) then
    states[i] = 0
  else
    states[i] = 1
  end
end
return states
"""

# KEYS: leases; ARGV[1]: this process's token. Deletes the leases still ours.
_RELEASE = """
local n = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    n = n + redis.call('DEL', KEYS[i])
  end
end
return n
"""


class SharedFlights:
    """Leases on cold keys in the Redis of a shared cache (an aiocache ``RedisCache``)."""

    def __init__(
        self, cache: Any, *, lease: float = DEFAULT_FLIGHT_LEASE, wait: float | None = None
    ) -> None:
        self._cache = cache
        self._client = cache.client
        self._lease_ms = max(1, int(lease * 1000))
        self.wait = lease if wait is None else wait
        self._token = os.urandom(16).hex()
        self._claim_script = self._client.register_script(_CLAIM)
        self._release_script = self._client.register_script(_RELEASE)
        self._failing = False
        self.waited = 0
        """Keys this process waited for instead of fetching them."""

    def _value_key(self, key: str) -> str:
        return str(self._cache._build_key(key))

    def _lease_key(self, key: str) -> str:
        return f"{self._value_key(key)}:lease"

    async def claim(self, keys: Sequence[str]) -> tuple[list[str], list[str]]:
        """(leased by this process, leased by another) of ``keys``; all ours if Redis fails."""
        if not keys:
            return [], []
        try:
            got = await self._claim_script(
                keys=[*map(self._lease_key, keys), *map(self._value_key, keys)],
                args=[self._token, self._lease_ms],
            )
        except Exception as exc:  # a failing Redis: fetch everything here, as without it
            self._failed(exc)
            return list(keys), []
        self._failing = False
        ours = [k for k, state in zip(keys, got, strict=True) if state == 0]
        theirs = [k for k, state in zip(keys, got, strict=True) if state != 0]
        return ours, theirs

    async def wait_for(self, keys: Sequence[str]) -> None:
        """Until each key has a value in the cache or no lease, at most ``wait`` seconds."""
        pending = list(keys)
        self.waited += len(pending)
        delay = _POLL_MIN
        try:
            async with asyncio.timeout(self.wait):
                while pending:
                    await asyncio.sleep(delay)
                    delay = min(delay * 1.5, _POLL_MAX)
                    async with self._client.pipeline(transaction=False) as pipe:
                        for key in pending:
                            pipe.exists(self._value_key(key))
                            pipe.exists(self._lease_key(key))
                        found = await pipe.execute()
                    # Still waited for: no value yet, and somebody holds the lease.
                    pending = [
                        k
                        for k, value, lease in zip(pending, found[::2], found[1::2], strict=True)
                        if not value and lease
                    ]
        except TimeoutError:
            return  # the peer is slow or gone: the caller fetches what is still missing
        except Exception as exc:
            self._failed(exc)

    async def release(self, keys: Sequence[str]) -> None:
        """Drop the leases still held on ``keys`` (once their values are in the cache)."""
        if not keys:
            return
        try:
            await self._release_script(keys=[self._lease_key(k) for k in keys], args=[self._token])
        except Exception as exc:  # the leases expire by themselves
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        if not self._failing:
            _log.warning(
                "partsagent.flights.shared_unavailable",
                error_type=type(exc).__name__,
                fallback="fetch in this process",
            )
        self._failing = True
