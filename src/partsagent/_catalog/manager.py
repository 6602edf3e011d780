"""BucketManager: cached, bounded, coalesced, retried and measured catalog access.

Every catalog lookup of the library goes through here. The rules that make it
fast and safe, each in one place:

* cache first: a fresh hit returns without waiting for anything (here);
* single-flight: identical lookups in flight share one request, owned by the
  manager, cancelled only when its last waiter is gone (``flights``);
* cold lookups of one manufacturer in the same loop tick share one batch
  request when the source offers batches (``batching``);
* one limit of ``max_concurrency`` outbound requests, held only around the
  request itself; retries with jittered exponential backoff for retryable
  errors only, honouring Retry-After, inside one deadline per lookup; a circuit
  breaker so a dead catalog fails fast (``requests``);
* errors are never cached as values; a 404 is negative-cached briefly (here);
* the cache tiers (``tiers``): in process first; a shared cache (Redis) behind
  it, untrusted: a value that is not a valid document of its key's kind is a
  miss, fetched again and overwritten; its default namespace is derived from the
  catalog (``shared``); of the processes missing one request (a document or a
  model's pack) only one sends it (``shared_flights``);
* given a Redis (``redis=``), the limit holds across every process sharing it
  (``limits``);
* counters per document kind (``stats``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rapidfuzz import process as fuzz_process

from .._exceptions import (
    InputError,
    NotFound,
    PartsAgentError,
    UsageError,
)
from .._lifecycle import AsyncResource
from .._metrics import count, timer
from .._metrics.log import get_logger
from .._models import Article, Category, Manufacturer, Model
from . import documents as doc
from .batching import Batcher, manufacturer_of
from .breaker import CircuitBreaker
from .cache import MISSING, BoundedStore
from .derived import DerivedMemo
from .fanout import ItemResult, fan_out
from .flights import Flight, Flights, Load
from .http import MAX_BATCH
from .ids import check_id
from .limits import DEFAULT_LEASE, RedisSlots, limit_key, redis_slots
from .open import open_catalog
from .rate import RateCap
from .requests import Requests
from .shared import SharedCache, catalog_namespace
from .shared_flights import SharedFlights
from .source import BucketReader, CatalogSource
from .stats import KINDS, Counters, cache_stats
from .tiers import CacheTiers

__all__ = ["ArticleRequest", "BucketManager", "ItemResult"]

_log = get_logger()

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_TTLS: Mapping[str, float] = dict.fromkeys(KINDS, 3600.0)


@dataclass(frozen=True, slots=True)
class ArticleRequest:
    """One (manufacturer, variant, category) whose articles are wanted."""

    manufacturer_id: str
    variant_id: str
    category_id: str
    product_group_id: str | None = None


ArticleRequestLike = ArticleRequest | tuple[str, ...] | Mapping[str, str | None]
"""An ArticleRequest, its fields as a tuple, or as a dict keyed by the field names."""

_REQUEST_FIELDS = ("manufacturer_id", "variant_id", "category_id", "product_group_id")


def article_request(req: object) -> ArticleRequest:
    """``req`` as an ArticleRequest; InputError for any other shape (never read as ids)."""
    if isinstance(req, ArticleRequest):
        return req
    if isinstance(req, Mapping):
        keys = set(req)
        if set(_REQUEST_FIELDS[:3]) <= keys <= set(_REQUEST_FIELDS):
            return ArticleRequest(**req)
    elif isinstance(req, tuple) and 3 <= len(req) <= 4:
        return ArticleRequest(*req)
    raise InputError(
        f"an article request is an ArticleRequest, a (manufacturer_id, variant_id, "
        f"category_id[, product_group_id]) tuple or a dict of those keys, not {str(req)[:120]!r}"
    )


def _norm(text: str) -> str:
    return " ".join(text.upper().replace("-", " ").split())


class BucketManager(AsyncResource):
    """The one door to the catalog; share one per process (or per app).

    Arguments are keyword-only with defaults that suit a remote catalog:

    * ``max_concurrency=5``: outbound catalog requests at once, shared by all callers.
    * ``ttl=3600``: seconds a document stays fresh; ``ttls`` overrides it per kind
      (``{"articles": 300}`` for prices that change often).
    * ``negative_ttl=30``: seconds a 404 is remembered; 0 disables it.
    * ``max_entries=10_000``: cap of the in-process cache.
    * ``cache``: an aiocache cache shared with other processes (e.g. ``redis_cache(...)``),
      read behind the in-process one: what this process has read stays in memory.
    * ``attempts=4``, ``attempt_timeout=10``, ``deadline=30``: retries per lookup,
      seconds per attempt, seconds for a lookup with all its retries. The manufacturers
      and models lists, which every report of a make needs, get twice the attempts.
    * ``backoff_initial=0.05``, ``backoff_max=2.0``: jittered exponential backoff.
    * ``breaker``: a CircuitBreaker (default: opens for 5 s when at least 10 of the last
      20 tries failed, 80% of them).
    * ``batch_size=100``: documents per batch request when the server offers batches;
      1 sends every look-up as its own request.
    * ``redis``: a Redis URL shared by processes and hosts (needs the ``redis`` extra):
      the shared cache (unless ``cache`` is given), one limit of ``max_concurrency``
      requests in flight at this catalog across every process using it (slots are
      leases of ``slot_lease=10`` seconds, renewed while held), and one request for what
      several processes miss at once (a document or a pack). A Redis that fails falls back
      to this process's limit and fetches, with a warning logged.
    * ``max_rate``: at most this many requests per second at the catalog (shared
      through ``redis`` when given, else per process); None (default) for no cap.

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
        redis: str | None = None,
        max_rate: int | None = None,
        slot_lease: float = DEFAULT_LEASE,
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
        if slot_lease <= 0:
            raise InputError("slot_lease must be positive")
        self.source: CatalogSource = open_catalog(source)
        self.max_concurrency = max_concurrency
        shared_limit: RedisSlots | None = None
        if redis is not None:
            from .redis import redis_cache

            if cache is None:
                cache = redis_cache(redis)
            shared_limit = redis_slots(
                redis, limit_key(self.source.name), limit=max_concurrency, lease=slot_lease
            )
        rate = (
            RateCap(max_rate, key=limit_key(self.source.name), redis_url=redis)
            if max_rate is not None
            else None
        )
        self.negative_ttl = negative_ttl
        # Always an in-process tier; a shared cache (Redis) sits behind it, so that a
        # document this process has read costs a dict look-up, not a round trip.
        memory = (
            cache
            if isinstance(cache, BoundedStore)
            else BoundedStore(max_entries=max_entries, clock=clock)
        )
        shared = (
            SharedCache(cache, self._catalog_namespace)
            if cache is not None and not isinstance(cache, BoundedStore)
            else None
        )
        self._c = Counters()
        self._tiers = CacheTiers(
            memory,
            shared,
            # One request of those several processes miss: leases in the shared cache's Redis.
            SharedFlights(cache, wait=deadline)
            if redis is not None and shared is not None
            else None,
            self._c,
            ttls={kind: float((ttls or {}).get(kind, ttl)) for kind in KINDS},
            negative_ttl=negative_ttl,
        )
        self._memory = memory
        self.derived = DerivedMemo(memory)
        """What reports work out from the cached lists (a vehicle's categories, a part's
        fitting articles), kept while those lists are cached (``derived``)."""
        self.breaker = breaker if breaker is not None else CircuitBreaker(clock=clock)
        self.batch_size = batch_size
        self._flights = Flights()
        self._requests = Requests(
            self._c,
            self.breaker,
            max_concurrency=max_concurrency,
            attempts=attempts,
            attempt_timeout=attempt_timeout,
            deadline=deadline,
            backoff_initial=backoff_initial,
            backoff_max=backoff_max,
            shared_limit=shared_limit,
            rate=rate,
        )
        if isinstance(self.source, BucketReader):
            # Its background index.json read counts against the same limits as every request.
            self.source.request_slot = self._requests.slot
        self._batcher = Batcher(
            self._flights,
            self._c,
            size=batch_size,
            fetch=self._fetch_batch,
            store=self._tiers.store,
            store_extra=self._tiers.store_extra,
            recall=self._tiers.recall,
            group_of=getattr(self.source, "batch_group", manufacturer_of),
        )
        self._closed = False
        self._manufacturer_ids: dict[str, str] | None = None

    def __repr__(self) -> str:
        return f"BucketManager({self.source!r}, max_concurrency={self.max_concurrency})"

    # -- lifecycle ---------------------------------------------------------

    async def _open(self) -> None:
        if self._closed:
            raise UsageError("this BucketManager is closed; create a new one")

    async def drain(self) -> None:
        """Wait until every load the manager started (prefetches included) has finished,
        and a shared cache has been sent what they fetched.

        For a graceful shutdown or a test that checks the manager is idle; it does
        not cancel anything, and cancelling the caller leaves the loads running.
        """
        await self._flights.drain()
        await self._tiers.flush()

    async def clear_cache(self) -> None:
        """Drop every cached document: in memory, in the shared cache (this catalog's
        namespace only) and what the source learnt of the bucket (its packs).

        For a catalog whose documents changed. Raises CatalogUnavailable when the
        shared cache could not be cleared; the rest is cleared all the same.
        """
        if self._closed:
            raise UsageError("this BucketManager is closed; create a new one")
        self._manufacturer_ids = None
        self.derived.clear()
        if isinstance(self.source, BucketReader):
            await self.source.forget_layout()
        await self._tiers.clear()

    async def aclose(self) -> None:
        """Cancel the requests still in flight and close what the manager opened."""
        if self._closed:
            return
        self._closed = True
        await self._flights.cancel_all()
        await self.source.aclose()
        await self._tiers.aclose()
        if self._requests.shared_limit is not None:
            await self._requests.shared_limit.aclose()
        if self._requests.rate is not None:
            await self._requests.rate.aclose()

    # -- the core: cache, single-flight, limit, retries --------------------

    async def _lookup(self, kind: str, key: str, path: str, fetch: Callable[[], Awaitable[T]]) -> T:
        """Return the document at ``key``: from cache, a shared flight, or a new load."""
        if self._closed:
            raise UsageError("this BucketManager is closed; create a new one")
        stats = self._c.by_kind[kind]
        value = self._memory.get_nowait(key)
        if value is not MISSING:
            return self._tiers.hit(kind, key, value)  # type: ignore[no-any-return]
        flight = self._flights.get(key)
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
            flight = self._flights.new(key)
            flight.path = path
            self._flights.start(Load([flight]), self._run_single(kind, key, path, fetch, flight))
        async with timer(f"catalog.{kind}", cache=cache_label):
            value = await self._flights.wait(flight)
            return self._tiers.materialize(kind, key, value)  # type: ignore[no-any-return]

    async def _run_single(
        self,
        kind: str,
        key: str,
        path: str,
        fetch: Callable[[], Awaitable[T]],
        flight: Flight,
    ) -> None:
        rest, hold = await self._tiers.recall(kind, [flight])
        if not rest:
            return
        async with hold:
            try:
                value = await self._requests.run(kind, path, fetch)
            except PartsAgentError as exc:
                self._c.by_kind[kind].errors += 1
                if isinstance(exc, NotFound):
                    await self._tiers.store(kind, key, exc)
                flight.future.set_exception(exc)
                return
            await self._tiers.store(kind, key, value)
            flight.future.set_result(value)

    async def _catalog_namespace(self) -> str:
        """The namespace of a shared cache that takes it from the catalog (index.json)."""
        return await self._requests.run(
            "index", doc.INDEX_PATH, lambda: catalog_namespace(self.source)
        )

    async def _fetch_batch(
        self, kind: str, label: str, paths: list[str], unpacked: bool = False
    ) -> Mapping[str, Any]:
        """A batch with retries; ``unpacked``: without the packs (one failed its retries)."""
        read = getattr(self.source, "read_unpacked", None) if unpacked else None
        return await self._requests.run(
            kind, label, functools.partial(read or self.source.read_batch, paths)
        )

    # -- documents -----------------------------------------------------------

    async def get_manufacturers(self) -> tuple[Manufacturer, ...]:
        """Every manufacturer of the catalog."""
        return await self._lookup(
            "manufacturers",
            doc.MANUFACTURERS_KEY,
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
        models: tuple[Model, ...] = await self._lookup(
            "models", doc.models_key(mid), path, lambda: self.source.models(mid)
        )
        if isinstance(self.source, BucketReader):  # a list from a shared cache names packs too
            self.source.learn_models(mid, models)
        return models

    async def load_categories_for_variant(self, mid: str, vid: str) -> tuple[Category, ...]:
        """Categories that hold articles for variant ``vid``."""
        path = doc.categories_path(mid, vid)
        return await self._lookup(
            "categories",
            doc.categories_key(mid, vid),
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
            doc.articles_key(mid, vid, cid),
            path,
            lambda: self.source.articles(mid, vid, cid),
        )
        if product_group_id is None:
            return articles
        return tuple(a for a in articles if a.product_group_id == product_group_id)

    # -- fan-out ---------------------------------------------------------------

    async def _settle_layout(self) -> None:
        """Let a source finish learning its layout (packs or not) before a batch decision."""
        settle = getattr(self.source, "settle_layout", None)
        if settle is not None:
            await settle(self._requests.attempt_timeout)

    async def _fan_out_open(
        self,
        items: Sequence[R],
        one: Callable[[R], Awaitable[T]],
        deadline: float | None,
        peek: Callable[[R], Any] | None = None,
    ) -> list[ItemResult[R, T]]:
        if self._closed:
            raise UsageError("this BucketManager is closed; create a new one")
        return await fan_out(items, one, deadline, peek)

    async def get_categories_concurrent(
        self, variants: Iterable[tuple[str, str]], *, deadline: float | None = None
    ) -> list[ItemResult[tuple[str, str], tuple[Category, ...]]]:
        """Categories for many (manufacturer, variant) pairs, each failure kept with its item.

        Cold lists of one manufacturer go out as one batch request when the
        source offers batches; otherwise one request each under the shared limit.
        """
        pairs = list(variants)
        await self._settle_layout()
        if self.source.batch_supported:
            wanted = {doc.categories_key(mid, vid): (mid, vid) for mid, vid in pairs}
            await self._prefetch("categories", wanted, lane="wait")

        def peek(mv: tuple[str, str]) -> Any:
            return self._tiers.peek("categories", doc.categories_key(*mv))

        return await self._fan_out_open(
            pairs, lambda mv: self.load_categories_for_variant(*mv), deadline, peek
        )

    async def get_articles_concurrent(
        self,
        requests: Iterable[ArticleRequestLike],
        *,
        deadline: float | None = None,
    ) -> list[ItemResult[ArticleRequest, tuple[Article, ...]]]:
        """Articles for many (manufacturer, variant, category) requests, in input order.

        A request is an ArticleRequest, a tuple of its fields, or a dict keyed by
        their names; another shape is an InputError. Misses for one variant go
        out as batch requests when the source offers them; otherwise as single
        requests under the shared limit.
        """
        reqs = [article_request(r) for r in requests]
        if self.source.batch_supported:
            await self.prefetch_articles(reqs)

        def peek(r: ArticleRequest) -> Any:
            # No path is built (nor ids checked) for a hit: a key is only a dict key.
            key = doc.articles_key(r.manufacturer_id, r.variant_id, r.category_id)
            found = self._tiers.peek("articles", key)
            if found is MISSING or r.product_group_id is None:
                return found
            return tuple(a for a in found if a.product_group_id == r.product_group_id)

        return await self._fan_out_open(
            reqs,
            lambda r: self.get_articles_for_category(
                r.manufacturer_id, r.variant_id, r.category_id, r.product_group_id
            ),
            deadline,
            peek,
        )

    async def prefetch_articles(
        self,
        requests: Iterable[ArticleRequestLike],
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
        wanted: dict[str, tuple[str, ...]] = {}
        for req in map(article_request, requests):
            mid, vid, cid = req.manufacturer_id, req.variant_id, req.category_id
            wanted[doc.articles_key(mid, vid, cid)] = (mid, vid, cid)
        return await self._prefetch("articles", wanted, lane="warm" if background else "wait")

    async def _prefetch(
        self, kind: str, wanted: Mapping[str, tuple[str, ...]], *, lane: str
    ) -> int:
        """Start batch loads for the cold keys of ``wanted`` (key -> the document's ids).

        Paths are built (and ids checked) for cold keys only: a warm vehicle's
        hundreds of cached keys cost a dict lookup each.
        """
        keys = [key for key in wanted if key not in self._flights]
        build = doc.categories_path if kind == "categories" else doc.articles_path

        def path_of(key: str) -> str | None:
            try:
                return build(*wanted[key])
            except InputError:
                return None  # the per-item lookup reports it

        cached = [self._memory.get_nowait(k) for k in keys]
        cold: list[tuple[str, str, str]] = []
        for key, value in zip(keys, cached, strict=True):
            if value is MISSING and (path := path_of(key)) is not None:
                cold.append((key, kind, path))
        return self._batcher.add(cold, lane=lane)

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
        """Hits, misses, evictions, sizes and request counts, overall and per document kind;
        ``derived``: the results kept from cached lists (``BucketManager.derived``)."""
        return {**cache_stats(self._c, self._memory, self.breaker), "derived": self.derived.stats()}
