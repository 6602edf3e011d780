"""Single-flight across processes: of the processes missing one request, one sends it.

The in-process single-flight (``flights``) joins identical look-ups of one
process; this joins those of every process sharing a Redis. What is leased is
the *request*, whatever it fetches: one document, or a model's pack, which
answers every list of the model. Two processes that miss different lists of
one model at the same moment want the same pack: one sends it, the other
waits and reads its lists from the shared cache.

A process that misses the shared cache claims a short lease on each request
(``SET NX PX``, every request of a load in one round trip) and sends the
requests it leased, renewing their leases while it does; a request another
process holds a lease on is waited for instead: until the values it waits for
are in the shared cache or the lease is gone (released, or expired with a
process killed mid-request, within the lease time), at most ``wait`` seconds,
then read from the cache. Whatever is still missing then is fetched as usual,
so a slow or dead peer costs a bounded delay, never a failed look-up. A Redis
that fails means: fetch it yourself (logged once).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from .._metrics.log import get_logger
from .shared import bounded, call_timeout

__all__ = ["DEFAULT_FLIGHT_LEASE", "Claim", "SharedFlights"]

_log = get_logger()

DEFAULT_FLIGHT_LEASE = 5.0
"""Seconds a lease lives unrenewed: how long a process killed mid-request delays the others."""
_POLL_MIN = 0.005
_POLL_MAX = 0.05

# KEYS: for each claim its lease, then its values; ARGV: token, lease in ms, then the
# number of values of each claim. Per claim: 0 leased now, 1 leased by another, 2 every
# value already in the cache. Atomic: of two processes claiming the requests of one
# load, the first takes every free one, so that a load is not split between them.
_CLAIM = """
local states = {}
local at = 1
for i = 3, #ARGV do
  local lease = KEYS[at]
  local n = tonumber(ARGV[i])
  local cached = n > 0
  for j = 1, n do
    if redis.call('EXISTS', KEYS[at + j]) == 0 then
      cached = false
      break
    end
  end
  if cached then
    states[#states + 1] = 2
  elseif redis.call('SET', lease, ARGV[1], 'NX', 'PX', ARGV[2]) then
    states[#states + 1] = 0
  else
    states[#states + 1] = 1
  end
  at = at + n + 1
end
return states
"""

# KEYS: leases; ARGV[1]: this process's token, ARGV[2]: lease in ms. Extends those still ours.
_RENEW = """
local n = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    n = n + redis.call('PEXPIRE', KEYS[i], ARGV[2])
  end
end
return n
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


@dataclass(frozen=True, slots=True)
class Claim:
    """One request: what it is named by (a document's key, or ``pack:mid/model``), and
    the cache keys of the documents it is sent for (what a waiter waits to read)."""

    request: str
    keys: tuple[str, ...]


class SharedFlights:
    """Leases on requests in the Redis of a shared cache (an aiocache ``RedisCache``)."""

    def __init__(
        self, cache: Any, *, lease: float = DEFAULT_FLIGHT_LEASE, wait: float | None = None
    ) -> None:
        self._cache = cache
        self._client = cache.client
        self.lease = lease
        self._lease_ms = max(1, int(lease * 1000))
        self.wait = lease if wait is None else wait
        self._token = os.urandom(16).hex()
        self._claim_script = self._client.register_script(_CLAIM)
        self._renew_script = self._client.register_script(_RENEW)
        self._release_script = self._client.register_script(_RELEASE)
        self._timeout = call_timeout(cache)
        self._failing = False
        self.waited = 0
        """Requests this process waited for instead of sending them."""

    def _value_key(self, key: str) -> str:
        return str(self._cache._build_key(key))

    def lease_key(self, request: str) -> str:
        """The Redis key of a request's lease (in the shared cache's namespace)."""
        return f"{self._value_key(request)}:lease"

    async def claim(self, claims: Sequence[Claim]) -> tuple[list[Claim], list[Claim]]:
        """(leased by this process, leased by another or answered) of ``claims``.

        All are ours when Redis fails: each process then fetches what it misses.
        """
        if not claims:
            return [], []
        keys: list[str] = []
        for claim in claims:
            keys.append(self.lease_key(claim.request))
            keys.extend(map(self._value_key, claim.keys))
        args = [self._token, self._lease_ms, *(len(c.keys) for c in claims)]
        try:
            got = await bounded(self._timeout, lambda: self._claim_script(keys=keys, args=args))
        except Exception as exc:  # a failing Redis: fetch everything here, as without it
            self._failed(exc)
            return list(claims), []
        self._failing = False
        ours = [c for c, state in zip(claims, got, strict=True) if state == 0]
        theirs = [c for c, state in zip(claims, got, strict=True) if state != 0]
        return ours, theirs

    async def wait_for(self, claims: Sequence[Claim]) -> bool:
        """Until each claim's values are in the cache or its lease is gone, at most ``wait`` s.

        True if Redis answered (the values may then be read even from a shared cache
        that a slow call suspended: they are there)."""
        pending = list(claims)
        self.waited += len(pending)
        delay = _POLL_MIN
        try:
            async with asyncio.timeout(self.wait):
                while pending:
                    await asyncio.sleep(delay)
                    delay = min(delay * 1.5, _POLL_MAX)
                    async with self._client.pipeline(transaction=False) as pipe:
                        for claim in pending:
                            pipe.exists(*map(self._value_key, claim.keys))
                            pipe.exists(self.lease_key(claim.request))
                        found = await pipe.execute()
                    # Still waited for: a value is missing, and somebody holds the lease.
                    pending = [
                        c
                        for c, values, lease in zip(pending, found[::2], found[1::2], strict=True)
                        if values < len(c.keys) and lease
                    ]
        except TimeoutError:
            return True  # the peer is slow or gone: the caller fetches what is still missing
        except Exception as exc:
            self._failed(exc)
            return False
        return True

    @contextlib.asynccontextmanager
    async def holding(self, claims: Sequence[Claim], flush: Any) -> AsyncIterator[None]:
        """Keep the leases of ``claims`` alive while the body sends their requests; then
        ``await flush()`` (the values reach the shared cache) and release them."""
        if not claims:
            yield
            return
        leases = [self.lease_key(c.request) for c in claims]
        renewer = asyncio.get_running_loop().create_task(self._renew(leases))
        try:
            yield
        finally:
            renewer.cancel()
            try:
                await asyncio.wait([renewer])  # a cancellation of ours still propagates
                await flush()
            finally:
                await self.release(claims)

    async def _renew(self, leases: list[str]) -> None:
        """Every third of the lease time, extend the leases still ours (a long request)."""
        while True:
            await asyncio.sleep(self.lease / 3)
            renew = functools.partial(
                self._renew_script, keys=leases, args=[self._token, self._lease_ms]
            )
            try:
                await bounded(self._timeout, renew)
            except Exception as exc:  # the leases expire: others fetch too, nothing breaks
                self._failed(exc)

    async def release(self, claims: Sequence[Claim]) -> None:
        """Drop the leases of ``claims`` still held by this process (others send them now)."""
        if not claims:
            return
        leases = [self.lease_key(c.request) for c in claims]
        try:
            await bounded(
                self._timeout, lambda: self._release_script(keys=leases, args=[self._token])
            )
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
