"""An optional cap of requests per second at a catalog, shared through Redis when given.

Catalog licences state a rate as well as a number of requests in flight. The
moving window of the ``limits`` library does the counting (in Redis, so every
process sharing it shares one window, or in this process's memory); a request
over the cap waits until the window has room. A Redis that fails falls back to
a window in this process, with a warning logged once.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from .._exceptions import InputError
from .._metrics.log import get_logger

__all__ = ["RateCap"]

_log = get_logger()
_MAX_WAIT = 1.0
_RETRY_AFTER = 5.0


class RateCap:
    """At most ``per_second`` requests in any second; across processes with ``redis_url``."""

    def __init__(self, per_second: int, *, key: str, redis_url: str | None = None) -> None:
        if per_second < 1:
            raise InputError("max_rate must be at least 1 request per second")
        from limits import RateLimitItemPerSecond
        from limits.aio.storage import MemoryStorage
        from limits.aio.strategies import MovingWindowRateLimiter

        self.per_second = per_second
        self.key = key
        self._item = RateLimitItemPerSecond(per_second)
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._shared: Any = None
        self._pool: Any = None
        if redis_url is not None:
            import redis.asyncio
            from limits.aio.storage import RedisStorage

            # Our own pool, so that aclose() can close it (limits' storage has no close).
            self._pool = redis.asyncio.ConnectionPool.from_url(
                redis_url, socket_timeout=1.0, socket_connect_timeout=1.0
            )
            storage = RedisStorage(
                "async+" + redis_url,
                implementation="redispy",
                key_prefix="partsagent-rate",
                connection_pool=self._pool,
            )
            self._shared = MovingWindowRateLimiter(storage)
        self._down_until = 0.0

    def __repr__(self) -> str:
        where = "redis" if self._shared is not None else "process"
        return f"RateCap({self.per_second}/s, {where})"

    async def wait(self) -> None:
        """Return once one more request fits in the window; its hit is counted."""
        while True:
            shared = self._shared is not None and time.monotonic() >= self._down_until
            limiter = self._shared if shared else self._local
            try:
                if await limiter.hit(self._item, self.key):
                    if shared:
                        self._down_until = 0.0  # a later outage is warned of again
                    return
                stats = await limiter.get_window_stats(self._item, self.key)
            except Exception as exc:  # Redis down or slow: this process's window instead
                if not self._down_until:
                    _log.warning(
                        "partsagent.rate.shared_unavailable",
                        key=self.key,
                        error_type=type(exc).__name__,
                        fallback="per-process rate",
                        retry_in_s=_RETRY_AFTER,
                    )
                self._down_until = time.monotonic() + _RETRY_AFTER
                if await self._local.hit(self._item, self.key):
                    return
                stats = await self._local.get_window_stats(self._item, self.key)
            await asyncio.sleep(min(_MAX_WAIT, max(0.001, stats.reset_time - time.time())))

    async def aclose(self) -> None:
        """Close the connections to Redis, if any."""
        if self._pool is not None:
            await self._pool.disconnect()
