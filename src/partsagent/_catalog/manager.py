"""BucketManager: cached, bounded, coalesced, retried and measured catalog access.

Every catalog lookup of the library goes through here. The rules that make it
fast and safe, each in one place:

* cache first: a fresh hit returns without waiting for anything;
* single-flight: identical lookups in flight share one request, owned by the
  manager, cancelled only when its last waiter is gone;
* one limit of ``max_concurrency`` outbound requests, held only around the
  request itself (never while waiting on a shared request or backing off), so
  nested fan-out cannot deadlock;
* retries with jittered exponential backoff (stamina) for retryable errors
  only, honouring Retry-After, inside one deadline per lookup;
* a circuit breaker so a dead catalog fails fast;
* errors are never cached as values; a 404 is negative-cached briefly.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import anyio
import stamina
import structlog
from rapidfuzz import process as fuzz_process

from .._exceptions import (
    CatalogError,
    CatalogFormatError,
    CatalogUnavailable,
    InputError,
    NotFound,
    PartsAgentError,
    UsageError,
)
from .._metrics import count, timer
from .._models import Article, Category, Manufacturer, Model
from . import documents as doc
from .breaker import CircuitBreaker, CircuitOpen
from .cache import MISSING, BoundedMemoryCache
from .documents import Deferred
from .http import MAX_BATCH
from .ids import check_id
from .open import open_catalog
from .source import CatalogSource

__all__ = ["ArticleRequest", "BucketManager", "ItemResult"]

_log = structlog.get_logger("partsagent")

T = TypeVar("T")
R = TypeVar("R")

KINDS = ("manufacturers", "models", "categories", "articles")
DEFAULT_TTLS: Mapping[str, float] = dict.fromkeys(KINDS, 3600.0)
_NOT_FOUND = "__partsagent_not_found__"


@dataclass(frozen=True, slots=True)
class ArticleRequest:
    """One (manufacturer, variant, category) whose articles are wanted."""

    manufacturer_id: str
    variant_id: str
    category_id: str
    product_group_id: str | None = None


@dataclass(frozen=True, slots=True)
class ItemResult(Generic[R, T]):
    """The outcome of one item of a fan-out: a value or the error that item met."""

    request: R
    value: T | None = None
    error: PartsAgentError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(slots=True)
class _KindStats:
    hits: int = 0
    misses: int = 0
    coalesced: int = 0
    requests: int = 0
    errors: int = 0
    negative_hits: int = 0


@dataclass(slots=True, eq=False)
class _Flight:
    """One key being loaded; waiters await its future through a shield."""

    key: str
    future: asyncio.Future[Any]
    load: _Load | None = None
    waiters: int = 0
    claimed: bool = True
    """False while a batch prefetch holds the key and no lookup has counted its miss."""
    path: str = ""
    """The contract path of a key loaded in a batch."""


@dataclass(slots=True, eq=False)
class _Load:
    """The manager-owned task that resolves one or more flights."""

    flights: list[_Flight]
    task: asyncio.Task[None] | None = None
    group: tuple[str, str, str] | None = None
    """(manufacturer, kind, lane) of a batch load still accepting keys."""


@dataclass(slots=True)
class _Counters:
    in_flight: int = 0
    max_in_flight: int = 0
    requests: int = 0
    retries: int = 0
    by_kind: dict[str, _KindStats] = field(
        default_factory=lambda: {kind: _KindStats() for kind in KINDS}
    )


def _norm(text: str) -> str:
    return " ".join(text.upper().replace("-", " ").split())


class BucketManager:
    """The one door to the catalog; share one per process (or per app).

    Arguments are keyword-only with defaults that suit a remote catalog:

    * ``max_concurrency=5``: outbound catalog requests at once, shared by all callers.
    * ``ttl=3600``: seconds a document stays fresh; ``ttls`` overrides it per kind
      (``{"articles": 300}`` for prices that change often).
    * ``negative_ttl=30``: seconds a 404 is remembered; 0 disables it.
    * ``max_entries=10_000``: cap of the default in-memory cache.
    * ``cache``: any aiocache cache instead (e.g. ``redis_cache(...)``).
    * ``attempts=4``, ``attempt_timeout=10``, ``deadline=30``: retries per lookup,
      seconds per attempt, seconds for a lookup with all its retries.
    * ``backoff_initial=0.05``, ``backoff_max=2.0``: jittered exponential backoff.
    * ``breaker``: a CircuitBreaker (default: opens after 5 consecutive failures for 5 s).
    * ``batch_size=100``: documents per batch request when the server offers batches;
      1 sends every look-up as its own request.

    The manager owns its source: ``aclose()`` closes it.
    """

    def __init__(
        self,
        source: CatalogSource | str | Path | None = None,
        *,
        max_concurrency: int = 5,
        ttl: float = 3600.0,
        ttls: Mapping[str, float] | None = None,
        negative_ttl: float = 30.0,
        max_entries: int = 10_000,
        cache: Any | None = None,
        attempts: int = 4,
        attempt_timeout: float = 10.0,
        deadline: float = 30.0,
        backoff_initial: float = 0.05,
        backoff_max: float = 2.0,
        breaker: CircuitBreaker | None = None,
        batch_size: int = 100,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_concurrency < 1:
            raise InputError("max_concurrency must be at least 1")
        if not 1 <= batch_size <= MAX_BATCH:
            raise InputError(f"batch_size must be between 1 and {MAX_BATCH}")
        if attempts < 1 or attempt_timeout <= 0 or deadline <= 0:
            raise InputError("attempts must be >= 1 and timeouts must be positive")
        unknown = set(ttls or {}) - set(KINDS)
        if unknown:
            raise InputError(f"unknown document kinds in ttls: {sorted(unknown)}; use {KINDS}")
        self.source: CatalogSource = open_catalog(source)
        self.max_concurrency = max_concurrency
        self._ttls = {kind: float((ttls or {}).get(kind, ttl)) for kind in KINDS}
        self.negative_ttl = negative_ttl
        self._cache: Any = (
            cache if cache is not None else BoundedMemoryCache(max_entries=max_entries, clock=clock)
        )
        self._memory = self._cache if isinstance(self._cache, BoundedMemoryCache) else None
        self.attempts = attempts
        self.attempt_timeout = attempt_timeout
        self.deadline = deadline
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.breaker = breaker if breaker is not None else CircuitBreaker(clock=clock)
        self.batch_size = batch_size
        self._limit = asyncio.Semaphore(max_concurrency)
        self._inflight: dict[str, _Flight] = {}
        self._loads: set[_Load] = set()
        self._pending: dict[tuple[str, str, str], _Load] = {}
        self._c = _Counters()
        self._closed = False
        self._manufacturer_ids: dict[str, str] | None = None

    def __repr__(self) -> str:
        return f"BucketManager({self.source!r}, max_concurrency={self.max_concurrency})"

    # -- lifecycle ---------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._closed:
            raise UsageError("this BucketManager is closed; create a new one")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def drain(self) -> None:
        """Wait until every load the manager started (prefetches included) has finished.

        For a graceful shutdown or a test that checks the manager is idle; it does
        not cancel anything, and cancelling the caller leaves the loads running.
        """
        while tasks := [load.task for load in self._loads if load.task is not None]:
            await asyncio.wait(tasks)

    async def aclose(self) -> None:
        """Cancel the requests still in flight and close what the manager opened."""
        if self._closed:
            return
        self._closed = True
        tasks = [load.task for load in self._loads if load.task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.source.aclose()
        if self._memory is None:
            await self._cache.close()

    # -- the core: cache, single-flight, limit, retries --------------------

    async def _cache_get(self, key: str) -> Any:
        if self._memory is not None:
            return self._memory.get_nowait(key)
        try:
            value = await self._cache.get(key, default=MISSING)
        except Exception as exc:  # a broken or slow shared cache is a miss, not a failed report
            _log.warning("partsagent.cache.read_failed", key=key, error_type=type(exc).__name__)
            return MISSING
        return value

    async def _cache_set(self, key: str, value: Any, ttl: float) -> None:
        if self._memory is not None:
            self._memory.set_nowait(key, value, ttl=ttl if ttl > 0 else None)
            return
        try:
            if isinstance(value, Deferred):
                value = value.resolve()  # a shared cache stores only validated documents
            await self._cache.set(key, value, ttl=ttl if ttl > 0 else None)
        except Exception as exc:  # a cache that cannot store must not fail the lookup
            _log.warning("partsagent.cache.write_failed", key=key, error_type=type(exc).__name__)

    def _materialize(self, kind: str, key: str, value: Any) -> Any:
        """Validate a deferred document on first use; a bad one is dropped, never cached."""
        if not isinstance(value, Deferred):
            return value
        try:
            resolved = value.resolve()
        except CatalogFormatError:
            self._c.by_kind[kind].errors += 1
            if self._memory is not None:
                self._memory.delete_nowait(key)
            raise
        if self._memory is not None:
            self._memory.replace_nowait(key, resolved)
        return resolved

    def _hit(self, kind: str, key: str, path: str, value: Any) -> Any:
        """Account for a cache hit; a remembered 404 raises NotFound again."""
        stats = self._c.by_kind[kind]
        if isinstance(value, dict) and _NOT_FOUND in value:
            stats.negative_hits += 1
            raise NotFound(path, "remembered as missing")
        stats.hits += 1
        count("cache.hits")
        with timer(f"catalog.{kind}", cache="hit"):
            pass
        return self._materialize(kind, key, value)

    def _peek(self, kind: str, key: str, path: str) -> Any:
        """A fresh in-memory value (hit accounted for) or MISSING; never waits."""
        if self._memory is None:
            return MISSING
        value = self._memory.get_nowait(key)
        return value if value is MISSING else self._hit(kind, key, path, value)

    async def _lookup(self, kind: str, key: str, path: str, fetch: Callable[[], Awaitable[T]]) -> T:
        """Return the document at ``key``: from cache, a shared flight, or a new load."""
        if self._closed:
            raise UsageError("this BucketManager is closed; create a new one")
        stats = self._c.by_kind[kind]
        value = await self._cache_get(key)
        if value is not MISSING:
            return self._hit(kind, key, path, value)  # type: ignore[no-any-return]
        flight = self._inflight.get(key)
        if flight is not None and not flight.claimed:
            flight.claimed = True
            stats.misses += 1
            count("cache.misses")
            cache_label = "miss"
        elif flight is not None:
            stats.coalesced += 1
            count("cache.coalesced")
            cache_label = "coalesced"
        else:
            stats.misses += 1
            count("cache.misses")
            cache_label = "miss"
            flight = self._new_flight(key)
            self._start_load(_Load([flight]), self._run_single(kind, key, path, fetch, flight))
        async with timer(f"catalog.{kind}", cache=cache_label):
            return self._materialize(kind, key, await self._wait(flight))  # type: ignore[no-any-return]

    def _new_flight(self, key: str) -> _Flight:
        flight = _Flight(key, asyncio.get_running_loop().create_future())
        # Mark every outcome as retrieved: a flight whose waiters all left must not log.
        flight.future.add_done_callback(_consume)
        self._inflight[key] = flight
        return flight

    def _start_load(self, load: _Load, coro: Awaitable[None]) -> None:
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
                self._forget_pending(load)
                for flight in load.flights:
                    if self._inflight.get(flight.key) is flight:
                        del self._inflight[flight.key]
                    if not flight.future.done():
                        flight.future.cancel()
                self._loads.discard(load)

        load.task = asyncio.get_running_loop().create_task(run(), name="partsagent-load")
        self._loads.add(load)

    def _forget_pending(self, load: _Load) -> None:
        if load.group is not None and self._pending.get(load.group) is load:
            del self._pending[load.group]

    async def _wait(self, flight: _Flight) -> Any:
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
                self._forget_pending(load)
                for f in load.flights:
                    if self._inflight.get(f.key) is f:
                        del self._inflight[f.key]
                if load.task is not None:
                    load.task.cancel()

    def _backoff_hook(self, exc: Exception) -> bool | float:
        if isinstance(exc, CircuitOpen) or not isinstance(exc, CatalogUnavailable):
            return False
        self._c.retries += 1
        if exc.retry_after is not None:
            return min(exc.retry_after, self.backoff_max)
        return True

    async def _request(self, kind: str, path: str, fetch: Callable[[], Awaitable[T]]) -> T:
        """One request with retries; the slot is held only while the request runs."""
        stats = self._c.by_kind[kind]
        with anyio.fail_after(self.deadline):
            async for attempt in stamina.retry_context(
                on=self._backoff_hook,
                attempts=self.attempts,
                timeout=None,
                wait_initial=self.backoff_initial,
                wait_max=self.backoff_max,
                wait_jitter=self.backoff_initial,
            ):
                with attempt:
                    self.breaker.before_call(path)
                    async with self._limit:
                        self._c.in_flight += 1
                        self._c.max_in_flight = max(self._c.max_in_flight, self._c.in_flight)
                        self._c.requests += 1
                        stats.requests += 1
                        count("catalog.requests")
                        try:
                            with anyio.fail_after(self.attempt_timeout):
                                value = await fetch()
                        except TimeoutError:
                            self.breaker.record_failure()
                            raise CatalogUnavailable(
                                path, f"attempt timed out after {self.attempt_timeout:g}s"
                            ) from None
                        except CatalogUnavailable:
                            self.breaker.record_failure()
                            raise
                        except asyncio.CancelledError:
                            self.breaker.record_abandoned()
                            raise
                        except CatalogError:
                            self.breaker.record_success()  # the catalog answered
                            raise
                        finally:
                            self._c.in_flight -= 1
                    self.breaker.record_success()
                    return value
        raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover

    async def _run_single(
        self,
        kind: str,
        key: str,
        path: str,
        fetch: Callable[[], Awaitable[T]],
        flight: _Flight,
    ) -> None:
        try:
            value = await self._request_with_deadline(kind, path, fetch)
        except NotFound as exc:
            if self.negative_ttl > 0:
                await self._cache_set(key, {_NOT_FOUND: path}, self.negative_ttl)
            self._c.by_kind[kind].errors += 1
            flight.future.set_exception(exc)
            return
        except PartsAgentError as exc:
            self._c.by_kind[kind].errors += 1
            flight.future.set_exception(exc)
            return
        await self._cache_set(key, value, self._ttls[kind])
        flight.future.set_result(value)

    async def _request_with_deadline(
        self, kind: str, path: str, fetch: Callable[[], Awaitable[T]]
    ) -> T:
        try:
            return await self._request(kind, path, fetch)
        except TimeoutError:
            raise CatalogUnavailable(
                path, f"no answer within the {self.deadline:g}s deadline, retries included"
            ) from None

    # -- documents -----------------------------------------------------------

    async def get_manufacturers(self) -> tuple[Manufacturer, ...]:
        """Every manufacturer of the catalog."""
        return await self._lookup(
            "manufacturers",
            "manufacturers/",
            doc.MANUFACTURERS_PATH,
            self.source.manufacturers,
        )

    async def get_manufacturer_id(self, make: str) -> str:
        """The id of ``make``, matched on name or alias, case- and spacing-insensitive."""
        manufacturers = await self.get_manufacturers()
        names: dict[str, str] = {}
        for m in manufacturers:
            for name in (m.name, *m.aliases):
                names.setdefault(_norm(name), m.id)
        found = names.get(_norm(make))
        if found is not None:
            return found
        close = [c[0] for c in fuzz_process.extract(_norm(make), list(names), limit=3)]
        raise InputError(
            f"unknown make {make!r}; closest catalog makes: {', '.join(close) or 'none'}"
        )

    async def get_models_for_manufacturer(self, mid: str) -> tuple[Model, ...]:
        """Models (with their variants) of manufacturer ``mid``."""
        path = doc.models_path(mid)
        return await self._lookup(
            "models",
            f"models/{mid}",
            path,
            lambda: self.source.models(mid),
        )

    async def load_categories_for_variant(self, mid: str, vid: str) -> tuple[Category, ...]:
        """Categories that hold articles for variant ``vid``."""
        path = doc.categories_path(mid, vid)
        return await self._lookup(
            "categories",
            f"categories/{mid}/{vid}",
            path,
            lambda: self.source.categories(mid, vid),
        )

    async def get_articles_for_category(
        self, mid: str, vid: str, cid: str, product_group_id: str | None = None
    ) -> tuple[Article, ...]:
        """Articles of category ``cid`` that fit variant ``vid``, optionally one product group."""
        path = doc.articles_path(mid, vid, cid)
        if product_group_id is not None:
            check_id(product_group_id, what="product group id")
        articles: tuple[Article, ...] = await self._lookup(
            "articles",
            f"articles/{mid}/{vid}/{cid}",
            path,
            lambda: self.source.articles(mid, vid, cid),
        )
        if product_group_id is None:
            return articles
        return tuple(a for a in articles if a.product_group_id == product_group_id)

    # -- fan-out ---------------------------------------------------------------

    async def _fan_out(
        self,
        items: Sequence[R],
        one: Callable[[R], Awaitable[T]],
        deadline: float | None,
        peek: Callable[[R], Any] | None = None,
    ) -> list[ItemResult[R, T]]:
        """Run ``one`` for every item in an anyio task group; results in input order.

        ``peek`` answers cache hits synchronously, so only misses cost a task.
        """
        if self._closed:
            raise UsageError("this BucketManager is closed; create a new one")
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

    async def get_categories_concurrent(
        self, variants: Iterable[tuple[str, str]], *, deadline: float | None = None
    ) -> list[ItemResult[tuple[str, str], tuple[Category, ...]]]:
        """Categories for many (manufacturer, variant) pairs, each failure kept with its item.

        Cold lists of one manufacturer go out as one batch request when the
        source offers batches; otherwise one request each under the shared limit.
        """
        pairs = list(variants)
        if self.source.batch_supported:
            wanted: dict[str, tuple[str, str]] = {}
            for mid, vid in pairs:
                with contextlib.suppress(InputError):  # the per-item lookup reports it
                    path = doc.categories_path(mid, vid)
                    wanted[f"categories/{mid}/{vid}"] = ("categories", path)
            await self._prefetch(wanted, lane="wait")

        def peek(mv: tuple[str, str]) -> Any:
            path = doc.categories_path(*mv)
            return self._peek("categories", f"categories/{mv[0]}/{mv[1]}", path)

        return await self._fan_out(
            pairs, lambda mv: self.load_categories_for_variant(*mv), deadline, peek
        )

    async def get_articles_concurrent(
        self,
        requests: Iterable[ArticleRequest | tuple[str, str, str]],
        *,
        deadline: float | None = None,
    ) -> list[ItemResult[ArticleRequest, tuple[Article, ...]]]:
        """Articles for many (manufacturer, variant, category) requests, in input order.

        Misses for one variant go out as batch requests when the source offers
        them; otherwise as single requests under the shared limit.
        """
        reqs = [r if isinstance(r, ArticleRequest) else ArticleRequest(*r) for r in requests]
        if self.source.batch_supported:
            await self.prefetch_articles(reqs)

        def peek(r: ArticleRequest) -> Any:
            path = doc.articles_path(r.manufacturer_id, r.variant_id, r.category_id)
            key = f"articles/{r.manufacturer_id}/{r.variant_id}/{r.category_id}"
            found = self._peek("articles", key, path)
            if found is MISSING or r.product_group_id is None:
                return found
            return tuple(a for a in found if a.product_group_id == r.product_group_id)

        return await self._fan_out(
            reqs,
            lambda r: self.get_articles_for_category(
                r.manufacturer_id, r.variant_id, r.category_id, r.product_group_id
            ),
            deadline,
            peek,
        )

    async def prefetch_articles(
        self,
        requests: Iterable[ArticleRequest | tuple[str, str, str]],
        *,
        background: bool = False,
    ) -> int:
        """Start loading cold articles as batch requests and return at once.

        The loads belong to the manager (``aclose`` cancels them) and fill the
        cache; later lookups join them. Cold keys of one manufacturer asked for
        by concurrent callers in the same loop tick share one request.
        ``background=True`` keeps these keys out of those requests, in their
        own: warming then never delays a key somebody waits for. Returns how
        many keys were started. Without a batch endpoint it does nothing:
        warming would cost a request per key.
        """
        if not self.source.batch_supported or self._closed:
            return 0
        wanted: dict[str, tuple[str, str]] = {}
        for req in requests:
            r = req if isinstance(req, ArticleRequest) else ArticleRequest(*req)
            try:
                path = doc.articles_path(r.manufacturer_id, r.variant_id, r.category_id)
            except InputError:
                continue  # the per-item lookup reports it
            wanted[f"articles/{r.manufacturer_id}/{r.variant_id}/{r.category_id}"] = (
                "articles",
                path,
            )
        return await self._prefetch(wanted, lane="warm" if background else "wait")

    async def _prefetch(self, wanted: dict[str, tuple[str, str]], *, lane: str) -> int:
        """Start batch loads for the cold keys of ``wanted`` (key -> (kind, path))."""
        keys = [key for key in wanted if key not in self._inflight]
        cached = await self._cache_get_many(keys)
        started = 0
        for key, value in zip(keys, cached, strict=True):
            if value is not MISSING or key in self._inflight:
                continue
            kind, path = wanted[key]
            group = (path.split("/", 2)[1], kind, lane)
            load = self._pending.get(group)
            if load is None or len(load.flights) >= self.batch_size:
                load = _Load([], group=group)
                self._pending[group] = load
                self._start_load(load, self._run_batch(load))
            flight = self._new_flight(key)
            flight.claimed = False
            flight.path = path
            flight.load = load
            load.flights.append(flight)
            started += 1
        return started

    async def _cache_get_many(self, keys: list[str]) -> list[Any]:
        """One round trip for a shared cache; a broken cache is all misses."""
        if self._memory is not None:
            return [self._memory.get_nowait(k) for k in keys]
        if not keys:
            return []
        try:
            values = await self._cache.multi_get(keys)
        except Exception as exc:  # a broken or slow shared cache is a miss
            _log.warning(
                "partsagent.cache.read_failed", keys=len(keys), error_type=type(exc).__name__
            )
            return [MISSING] * len(keys)
        return [MISSING if v is None else v for v in values]

    async def _run_batch(self, load: _Load) -> None:
        await asyncio.sleep(0)  # let callers in this tick add their keys
        self._forget_pending(load)
        flights = [f for f in load.flights if not f.future.done()]
        if not flights or load.group is None:
            return
        mid, kind, _ = load.group
        paths = [f.path for f in flights]
        label = paths[0] if len(paths) == 1 else f"batch:{mid}/{kind}"
        stats = self._c.by_kind[kind]
        try:
            items = await self._request_with_deadline(
                kind, label, functools.partial(self.source.read_batch, paths)
            )
        except PartsAgentError as exc:
            stats.errors += len(flights)
            for flight in flights:
                flight.future.set_exception(exc)
            return
        got: list[Any] = [items.get(flight.path) for flight in flights]
        # What somebody waits for is validated now, in one go; the rest on first read.
        waited = [
            i
            for i, (f, item) in enumerate(zip(flights, got, strict=True))
            if f.claimed and isinstance(item, Deferred)
        ]
        for i, value in zip(waited, doc.resolve_all([got[i] for i in waited]), strict=True):
            got[i] = value
        for flight, item in zip(flights, got, strict=True):
            if isinstance(item, tuple | Deferred):
                await self._cache_set(flight.key, item, self._ttls[kind])
                flight.future.set_result(item)
                continue
            stats.errors += 1
            if isinstance(item, NotFound) and self.negative_ttl > 0:
                await self._cache_set(flight.key, {_NOT_FOUND: item.path}, self.negative_ttl)
            flight.future.set_exception(
                item
                if isinstance(item, CatalogError)
                else CatalogFormatError(label, f"batch response lacks {flight.path}")
            )

    # -- warming and statistics ----------------------------------------------

    async def warm_cache_for_vehicle(
        self,
        mid: str,
        model_name: str,
        *,
        year: int | None = None,
        category_ids: Sequence[str] = (),
        deadline: float | None = None,
    ) -> dict[str, int]:
        """Load a model's variants' categories (and given categories' articles) ahead of need.

        Returns how many variants, category lists and article lists are now warm.
        """
        models = await self.get_models_for_manufacturer(mid)
        wanted = _norm(model_name)
        model = next((m for m in models if _norm(m.name) == wanted), None)
        if model is None:
            raise InputError(
                f"manufacturer {mid} has no model {model_name!r}; "
                f"models: {', '.join(m.name for m in models)}"
            )
        variants = [v for v in model.variants if year is None or v.in_production(year)]
        cats = await self.get_categories_concurrent(
            [(mid, v.id) for v in variants], deadline=deadline
        )
        arts = await self.get_articles_concurrent(
            [(mid, v.id, cid) for v in variants for cid in category_ids], deadline=deadline
        )
        return {
            "variants": len(variants),
            "categories": sum(r.ok for r in cats),
            "articles": sum(r.ok for r in arts),
        }

    def get_cache_stats(self) -> dict[str, Any]:
        """Hits, misses, evictions, sizes and request counts, overall and per document kind."""
        backend = self._memory.stats_by_kind() if self._memory is not None else {}
        by_kind: dict[str, dict[str, Any]] = {}
        for kind, s in self._c.by_kind.items():
            b = backend.get(kind)
            lookups = s.hits + s.misses + s.coalesced
            by_kind[kind] = {
                "hits": s.hits,
                "misses": s.misses,
                "coalesced": s.coalesced,
                "negative_hits": s.negative_hits,
                "requests": s.requests,
                "errors": s.errors,
                "evictions": b.evictions if b else 0,
                "expirations": b.expirations if b else 0,
                "size": b.size if b else 0,
                "hit_rate_percent": round(100.0 * (s.hits + s.coalesced) / lookups, 2)
                if lookups
                else 0.0,
            }
        hits = sum(k["hits"] for k in by_kind.values())
        coalesced = sum(k["coalesced"] for k in by_kind.values())
        misses = sum(k["misses"] for k in by_kind.values())
        lookups = hits + misses + coalesced
        return {
            "hits": hits,
            "misses": misses,
            "coalesced": coalesced,
            "evictions": sum(b.evictions for b in backend.values()),
            "expirations": sum(b.expirations for b in backend.values()),
            "hit_rate_percent": round(100.0 * (hits + coalesced) / lookups, 2) if lookups else 0.0,
            "cache_size": len(self._memory) if self._memory is not None else None,
            "max_cache_size": self._memory.max_entries if self._memory is not None else None,
            "requests": self._c.requests,
            "retries": self._c.retries,
            "in_flight": self._c.in_flight,
            "max_in_flight": self._c.max_in_flight,
            "breaker": self.breaker.snapshot().state,
            "by_kind": by_kind,
        }


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
