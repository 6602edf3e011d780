"""One limit of requests in flight at a catalog, shared by every process that shares a Redis.

A slot is a lease: a member of one sorted set per catalog whose score is the
time (Redis's own clock, so hosts need not agree) at which it expires. Taking
a slot drops the expired members and adds one if fewer than ``limit`` remain,
in one Lua script, so two processes never both take the last slot. A process
renews its leases while it holds them; one killed with ``kill -9`` stops
renewing, and its slots come back within ``lease`` seconds.

A Redis that is down, slow or refuses the script is no reason to fail a
report: the slot is then taken from the per-process limit only (which is
always held as well), a warning is logged once per outage, and Redis is tried
again ``retry_after`` seconds later.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import random
import time
from collections.abc import AsyncIterator
from typing import Any

from .._metrics.log import get_logger

__all__ = ["DEFAULT_LEASE", "RedisSlots", "limit_key", "redis_slots"]

_log = get_logger()

DEFAULT_LEASE = 10.0
"""Seconds a slot outlives a process that stopped renewing it."""
_RETRY_AFTER = 5.0
_POLL_MIN = 0.005
_POLL_MAX = 0.05

# KEYS[1]: the slots; ARGV: token, limit, lease in ms. 1 if the slot was taken.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[3]))
  return 1
end
return 0
"""

# KEYS[1]: the slots; ARGV: lease in ms, then the tokens still held. Renews those still there.
_RENEW = """
local t = redis.call('TIME')
local until_ = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', until_, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[1]))
return renewed
"""


def limit_key(catalog_name: str) -> str:
    """The sorted set of a catalog's slots: every process reading that catalog shares it.

    Named after where the catalog is (its URL without credentials, or its
    directory), not after its content: the licence limits requests to a
    server, whatever version of the catalog it serves.
    """
    digest = hashlib.sha256(catalog_name.encode()).hexdigest()[:16]
    return f"partsagent-limit:{digest}"


def redis_slots(url: str, key: str, *, limit: int, lease: float = DEFAULT_LEASE) -> RedisSlots:
    """RedisSlots on a client of its own at ``url``; every call bounded by a 1 s timeout."""
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
    return RedisSlots(client, key, limit=limit, lease=lease)


class RedisSlots:
    """At most ``limit`` slots at once across processes, as leases in one Redis sorted set.

    ``client`` is a ``redis.asyncio.Redis`` (its socket timeout bounds every
    call). Use ``async with slots.slot():`` around one request; hold the
    per-process limit too.
    """

    def __init__(
        self,
        client: Any,
        key: str,
        *,
        limit: int,
        lease: float = DEFAULT_LEASE,
        retry_after: float = _RETRY_AFTER,
    ) -> None:
        self._client = client
        self.key = key
        self.limit = limit
        self.lease = lease
        self._lease_ms = max(1, int(lease * 1000))
        self._retry_after = retry_after
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._held: set[str] = set()
        self._down_until = 0.0
        self._renewer: asyncio.Task[None] | None = None
        self._releases: set[asyncio.Task[None]] = set()
        self.shared_slots = 0
        """Slots taken in Redis so far (the others fell back to the per-process limit)."""

    def __repr__(self) -> str:
        return f"RedisSlots({self.key!r}, limit={self.limit}, lease={self.lease:g})"

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot (or, with Redis unavailable, none: the per-process limit applies)."""
        token = await self._take()
        try:
            yield
        finally:
            if token is not None:
                self._release_later(token)

    async def _take(self) -> str | None:
        if time.monotonic() < self._down_until:
            return None
        token = os.urandom(16).hex()
        delay = _POLL_MIN
        while True:
            try:
                taken = await self._acquire(
                    keys=[self.key], args=[token, self.limit, self._lease_ms]
                )
            except asyncio.CancelledError:
                self._release_later(token)  # the script may have run: give the slot back
                raise
            except Exception as exc:  # Redis down, slow or refusing: fall back, never fail
                self._fall_back(exc)
                self._release_later(token)
                return None
            if taken:
                self._recovered()
                self._held.add(token)
                self.shared_slots += 1
                self._start_renewing()
                return token
            # Full: another process holds the slots. Wait a little, with jitter.
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 1.5, _POLL_MAX)

    def _fall_back(self, exc: BaseException) -> None:
        if self._down_until == 0.0 or time.monotonic() >= self._down_until + self._retry_after:
            _log.warning(
                "partsagent.limit.shared_unavailable",
                key=self.key,
                error_type=type(exc).__name__,
                fallback="per-process limit",
                retry_in_s=self._retry_after,
            )
        self._down_until = time.monotonic() + self._retry_after

    def _recovered(self) -> None:
        if self._down_until:
            self._down_until = 0.0
            _log.info("partsagent.limit.shared_available", key=self.key)

    def _start_renewing(self) -> None:
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.get_running_loop().create_task(
                self._renew_while_held(), name="partsagent-limit-renew"
            )

    async def _renew_while_held(self) -> None:
        """Keep this process's leases alive while it holds any; stop when it holds none."""
        while self._held:
            await asyncio.sleep(self.lease / 3)
            if not self._held:
                return
            with contextlib.suppress(Exception):  # a missed renewal is retried next round
                await self._renew(keys=[self.key], args=[self._lease_ms, *self._held])

    def _release_later(self, token: str) -> None:
        """Give a slot back in a task the limiter owns: a cancelled caller still returns it."""
        self._held.discard(token)
        task = asyncio.get_running_loop().create_task(self._release(token))
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)

    async def _release(self, token: str) -> None:
        with contextlib.suppress(Exception):  # unreleased, the lease expires by itself
            await self._client.zrem(self.key, token)

    async def aclose(self) -> None:
        """Give back every slot still being released, stop renewing, close the client."""
        if self._releases:
            await asyncio.wait(set(self._releases), timeout=self.lease)
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        await self._client.aclose()
