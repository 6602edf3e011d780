"""A Redis cache shared by processes and hosts, and a serializer that round-trips exactly.

``redis_cache(url)`` returns an aiocache ``RedisCache`` for ``BucketManager(cache=...)``.
Keys are prefixed with ``"{namespace}:"``; by default the namespace is derived
from the catalog the manager reads (``shared.catalog_namespace``), so two
catalogs never read each other's entries. Values are encoded by
``ModelSerializer``: a type tag, a newline, then JSON. The tag of a document is
the kind its key stands for (``articles/...`` holds ``articles\n[...]``, even an
empty list), and decoding refuses any other, then validates with the same
pydantic types as a fetched document, so a cached ``tuple[Article, ...]``
comes back equal to what was stored, Decimal prices with the same digits.

Errors of redis and of the payload are translated here, once: a payload that
cannot be decoded raises ``CatalogFormatError`` (path ``redis:<kind>``), or in
``multi_get`` stands as an ``Unreadable`` value; a Redis that is down or slow
raises ``CatalogUnavailable``. The manager treats both as misses.
"""

from __future__ import annotations

import functools
import re
import typing
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import orjson
from aiocache.base import SENTINEL
from aiocache.serializers import BaseSerializer
from pydantic import TypeAdapter, ValidationError

from .._exceptions import CatalogFormatError, CatalogUnavailable, UsageError, missing_extra

try:
    import redis.asyncio
    from aiocache import RedisCache
    from redis.exceptions import RedisError, ResponseError
except ImportError as exc:
    missing_extra(exc, extra="redis", modules=("redis",), feature="redis_cache()")
from .._models import Article, Category, Manufacturer, Model
from .._urls import redact_text, redact_url
from .shared import Unreadable, kind_of

__all__ = ["ModelSerializer", "redis_cache", "register_type"]

_TAG = re.compile(r"^[a-z][a-z0-9_.-]{0,31}$")
DEFAULT_NAMESPACE = "partsagent"
"""Used by a cache with no namespace of its own until a manager names it after its catalog."""
DEFAULT_MAX_VALUE_BYTES = 8 * 1024 * 1024
"""The largest value read or written, like an HTTP body; a larger one is a miss."""
DEFAULT_TIMEOUT = 0.25
"""Seconds per call: a healthy Redis answers in a millisecond; a slow one is a miss (and,
suspended, costs nothing for a while: ``suspend``). Room is left for a busy event loop."""
BACKSTOP = 4
"""aiocache's and the sockets' own bounds, as a multiple of the call's ``timeout``..."""
MIN_BACKSTOP = 2.0
"""... and at least this many seconds (a loop busy that long is rare; Redis stalled is not)."""
_JSON_TAG = "json"
_EMPTY_TAG = "empty"


class _Entry:
    __slots__ = ("adapter", "matches", "tag")

    def __init__(
        self, tag: str, adapter: TypeAdapter[Any], matches: Callable[[object], bool]
    ) -> None:
        self.tag = tag
        self.adapter = adapter
        self.matches = matches


_by_tag: dict[str, _Entry] = {}


def _matcher(type_: Any) -> Callable[[object], bool]:
    if isinstance(type_, type):
        return lambda value: isinstance(value, type_)
    args = typing.get_args(type_)
    if typing.get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = args[0]
        if isinstance(item, type):
            return lambda value: (
                isinstance(value, tuple)
                and len(value) > 0
                and all(isinstance(v, item) for v in value)
            )
    raise UsageError(f"pass matches= to register {type_!r}: cannot tell its values apart")


def register_type(tag: str, type_: Any, *, matches: Callable[[object], bool] | None = None) -> None:
    """Let ``ModelSerializer`` store values of ``type_`` exactly, under ``tag``.

    ``type_`` is a class (e.g. a pydantic model) or ``tuple[Cls, ...]``; for
    anything else give ``matches``, a predicate recognising its values. Every
    process that reads the cache must register the same tags.
    """
    if not _TAG.match(tag) or tag in (_JSON_TAG, _EMPTY_TAG):
        raise UsageError(f"tag {tag!r} is reserved or not of the form [a-z][a-z0-9_.-]*")
    _by_tag[tag] = _Entry(tag, TypeAdapter(type_), matches or _matcher(type_))


register_type("manufacturers", tuple[Manufacturer, ...])
register_type("models", tuple[Model, ...])
register_type("categories", tuple[Category, ...])
register_type("articles", tuple[Article, ...])


def _plain_json(value: object) -> bool:
    """True if JSON gives ``value`` back unchanged (no tuples, models, Decimals...)."""
    if value is None or isinstance(value, str | bool | int | float):
        return True
    if isinstance(value, list):
        return all(_plain_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_json(v) for k, v in value.items())
    return False


class ModelSerializer(BaseSerializer):  # type: ignore[misc]  # aiocache ships no type hints
    """Exact round-trips of registered types (catalog model tuples) and plain JSON values.

    Payload: ``b"<tag>\\n<json>"``. ``loads`` raises ``CatalogFormatError`` on an
    unknown tag or a payload that does not validate.
    """

    DEFAULT_ENCODING = None  # bytes in, bytes out: no decoding in the Redis backend.

    def dumps(self, value: Any, kind: str | None = None) -> bytes:
        """The payload of ``value``; under a ``kind`` key a list of that kind is tagged so."""
        entry = _by_tag.get(kind) if kind else None
        if entry is not None and isinstance(value, tuple) and (not value or entry.matches(value)):
            return entry.tag.encode() + b"\n" + entry.adapter.dump_json(value)
        if isinstance(value, tuple) and not value:
            return b"empty\n[]"
        for entry in _by_tag.values():
            if entry.matches(value):
                return entry.tag.encode() + b"\n" + entry.adapter.dump_json(value)
        if not _plain_json(value):
            raise UsageError(
                f"a {type(value).__name__} cannot be cached in Redis exactly; "
                "register its type with partsagent._catalog.redis.register_type"
            )
        try:
            return b"json\n" + orjson.dumps(value)
        except orjson.JSONEncodeError as exc:  # e.g. an int beyond 64 bits
            raise UsageError(f"value cannot be cached in Redis: {exc}") from exc

    def loads(self, value: bytes | str | None, kind: str | None = None) -> Any:
        """The value of a payload; under a ``kind`` key only that kind's tag (or plain JSON)."""
        if value is None:
            return None
        raw = value.encode() if isinstance(value, str) else value
        tag_bytes, sep, payload = raw.partition(b"\n")
        tag = tag_bytes.decode("ascii", "replace")
        if not sep:
            raise CatalogFormatError("redis", "cached payload has no type tag")
        if kind in _by_tag and tag not in (kind, _JSON_TAG):
            raise CatalogFormatError("redis", f"a {tag[:32]!r} payload under a {kind!r} key")
        if tag == _EMPTY_TAG:
            if payload != b"[]":
                raise CatalogFormatError("redis", "cached 'empty' payload is not []")
            return ()
        try:
            if tag == _JSON_TAG:
                return orjson.loads(payload)
            entry = _by_tag.get(tag)
            if entry is None:
                raise CatalogFormatError("redis", f"unknown cached type tag {tag[:32]!r}")
            return entry.adapter.validate_json(payload)
        except (orjson.JSONDecodeError, ValidationError) as exc:
            raise CatalogFormatError(
                "redis", f"cached {tag[:32]!r} payload is corrupt: {exc}"
            ) from exc


def _where(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    key = kwargs.get("key", args[0] if args else None)
    if isinstance(key, str):
        kind, sep, _ = key.partition("/")
        return f"redis:{kind}" if sep else "redis"
    return "redis"


def _raw(value: bytes | None) -> bytes | None:
    return value


def _translating(name: str) -> Any:
    """Wrap the cache's ``name`` so redis and payload errors become partsagent errors."""
    base = getattr(_PartsRedisCache, name)

    @functools.wraps(base)
    async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await base(self, *args, **kwargs)
        except CatalogFormatError as exc:
            raise CatalogFormatError(_where(args, kwargs), exc.detail) from exc
        except (RedisError, OSError, TimeoutError) as exc:
            raise CatalogUnavailable(
                _where(args, kwargs),
                f"redis {name} failed: {type(exc).__name__}: {redact_text(str(exc))}",
            ) from exc

    return method


class _PartsRedisCache(RedisCache):  # type: ignore[misc]  # aiocache ships no type hints
    """aiocache's RedisCache with a client from a URL, translated errors and a quiet close."""

    def __init__(
        self,
        url: str,
        *,
        namespace: str | None,
        timeout: float,
        max_connections: int,
        max_value_bytes: int,
    ) -> None:
        parts = urlsplit(url)
        # The manager bounds each call by ``timeout`` (``call_timeout``), timed on the answer
        # (``shared.bounded``). aiocache's and the socket's own bounds are backstops: at
        # ``timeout`` they would fire together with it, and take a busy process's lateness
        # for a slow Redis.
        backstop = max(timeout * BACKSTOP, MIN_BACKSTOP)
        super().__init__(
            serializer=ModelSerializer(),
            namespace=namespace if namespace is not None else DEFAULT_NAMESPACE,
            timeout=backstop,
            endpoint=parts.hostname or parts.path,
            port=parts.port or 6379,
        )
        self.call_timeout = timeout
        """Seconds the manager gives one call (``redis_cache(timeout=...)``)."""
        self.needs_catalog_namespace = namespace is None
        """True until a BucketManager names the namespace after its catalog."""
        self.url = redact_url(url)
        self.max_value_bytes = max_value_bytes
        # aiocache 0.12 builds its client from host and port only; from_url also
        # honours db, password, TLS (rediss://) and unix sockets.
        # A blocking pool: under a burst of lookups, callers wait (up to ``timeout``)
        # for one of ``max_connections`` instead of failing with MaxConnectionsError.
        pool = redis.asyncio.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=backstop,
            decode_responses=False,
            socket_timeout=backstop,
            socket_connect_timeout=backstop,
        )
        self.client = redis.asyncio.Redis.from_pool(pool)  # the client owns (and closes) the pool

    def __repr__(self) -> str:
        # Host and port only: the URL may carry a password.
        shown = "(from the catalog)" if self.needs_catalog_namespace else repr(self.namespace)
        return f"RedisCache({self.endpoint}:{self.port}, namespace={shown})"

    def bind_namespace(self, namespace: str) -> None:
        """Use ``namespace`` from now on (the manager's catalog-derived one)."""
        self.namespace = namespace
        self.needs_catalog_namespace = False

    async def get(
        self,
        key: str,
        default: Any = None,
        loads_fn: Any = None,
        namespace: str | None = None,
        _conn: Any = None,
    ) -> Any:
        loads = loads_fn or functools.partial(self._loads, kind=kind_of(key))
        return await RedisCache.get(self, key, default, loads, namespace, _conn)

    def _loads(self, raw: bytes | None, kind: str) -> Any:
        if raw is not None and len(raw) > self.max_value_bytes:
            raise CatalogFormatError(
                "redis", f"value larger than the {self.max_value_bytes}-byte cap"
            )
        return self.serializer.loads(raw, kind=kind)

    async def _get(self, key: str, encoding: Any = None, _conn: Any = None) -> bytes | None:
        (value,) = await self._multi_get([key])
        return value

    async def _multi_get(
        self, keys: list[str], encoding: Any = None, _conn: Any = None
    ) -> list[bytes | None]:
        """At most ``max_value_bytes + 1`` bytes of each value: a huge one is never read whole.

        GETRANGE in one pipeline instead of MGET; a key of another Redis type is a miss.
        """
        async with self.client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.getrange(key, 0, self.max_value_bytes)
            values = await pipe.execute(raise_on_error=False)
        for value in values:
            if isinstance(value, Exception) and not isinstance(value, ResponseError):
                raise value
        # A missing key reads as b"" (no value of ours is empty: each starts with its tag).
        return [v if isinstance(v, bytes) and v else None for v in values]

    async def _multi_set(self, pairs: Any, ttl: Any = None, _conn: Any = None) -> Any:
        # What a reader would refuse is not stored.
        kept = [(k, v) for k, v in pairs if len(v) <= self.max_value_bytes]
        if not kept:
            return True
        return await super()._multi_set(kept, ttl=ttl, _conn=_conn)

    async def multi_get(
        self, keys: list[str], loads_fn: Any = None, namespace: str | None = None, _conn: Any = None
    ) -> list[Any]:
        if loads_fn is not None:
            return await RedisCache.multi_get(self, keys, loads_fn, namespace, _conn)  # type: ignore[no-any-return]
        raws = await RedisCache.multi_get(self, keys, _raw, namespace, _conn)
        return [self.decode(key, raw) for key, raw in zip(keys, raws, strict=True)]

    def decode(self, key: str, raw: bytes | None) -> Any:
        """One value of a multi_get: one bad payload must not spoil the others."""
        try:
            return self._loads(raw, kind=kind_of(key))
        except CatalogFormatError as exc:
            return Unreadable(exc.detail)

    async def set(
        self, key: str, value: Any, ttl: Any = SENTINEL, dumps_fn: Any = None, **kwargs: Any
    ) -> Any:
        dumps = dumps_fn or functools.partial(self.serializer.dumps, kind=kind_of(key))
        return await RedisCache.set(self, key, value, ttl, dumps, **kwargs)

    async def _set(
        self,
        key: str,
        value: Any,
        ttl: float | None = None,
        _cas_token: Any = None,
        _conn: Any = None,
    ) -> Any:
        if len(value) > self.max_value_bytes:
            return True  # what a reader would refuse is not stored
        if _cas_token is not None:
            return await super()._set(key, value, ttl=ttl, _cas_token=_cas_token, _conn=_conn)
        # aiocache uses SETEX for whole seconds, deprecated in redis-py; SET PX covers both.
        # A ttl of None or 0 never expires, as in BoundedMemoryCache.
        if not ttl:
            return await self.client.set(key, value)
        return await self.client.set(key, value, px=max(1, int(ttl * 1000)))

    async def _clear(self, namespace: str | None = None, _conn: Any = None) -> bool:
        # Never FLUSHDB (the database may hold other keys), never KEYS (it blocks the server).
        if not namespace:
            raise UsageError("clear() needs a namespace: partsagent never flushes a database")
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", namespace) + ":*"
        batch: list[bytes] = []
        async for key in self.client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                await self.client.unlink(*batch)
                batch.clear()
        if batch:
            await self.client.unlink(*batch)
        return True

    async def _close(self, *args: Any, _conn: Any = None, **kwargs: Any) -> None:
        # aiocache calls the deprecated Redis.close(); aclose() is its replacement.
        await self.client.aclose()


for _name in (
    "get",
    "multi_get",
    "set",
    "multi_set",
    "add",
    "delete",
    "exists",
    "increment",
    "expire",
    "clear",
    "raw",
    "close",
):
    setattr(_PartsRedisCache, _name, _translating(_name))


def redis_cache(
    url: str = "redis://127.0.0.1:6379/0",
    *,
    namespace: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_connections: int = 32,
    max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES,
) -> RedisCache:
    """An aiocache RedisCache at ``url`` for ``BucketManager(cache=...)``.

    * ``namespace=None``: every key is stored as ``"{namespace}:{key}"``. By default
      the BucketManager that uses the cache names it after its catalog
      (``partsagent-`` and a hash of the catalog's location and index.json, read
      once), so that two catalogs never share entries; name one to share it on
      purpose, or to read a cache while the catalog is down.
    * ``timeout=0.25``: seconds the manager gives a cache call (the answer's time:
      an answer that came while the process was busy is still read); a slow Redis
      becomes a cache miss, not a slow report. A call that fails, or three that time
      out in a row, leave the cache alone for a second or more (``suspend``). Calls
      made on the cache directly get 4 times as long (2 s at least). Raise it for a Redis far away.
    * ``max_connections=32``: the pool's size; more concurrent lookups wait for
      a free connection.
    * ``max_value_bytes=8 MiB``: the largest value read (at most this many bytes
      are fetched: a larger value is a miss) or written (a larger one is not stored).

    No connection is made until the first call; close it with ``await cache.close()``.
    """
    if namespace is not None and not namespace:
        raise UsageError(
            "give redis_cache a non-empty namespace, or None to derive it from the catalog"
        )
    if max_connections < 1:
        raise UsageError("max_connections must be at least 1")
    if max_value_bytes < 1:
        raise UsageError("max_value_bytes must be at least 1")
    if not timeout > 0:
        raise UsageError("timeout must be a positive number of seconds")
    return _PartsRedisCache(
        url,
        namespace=namespace,
        timeout=timeout,
        max_connections=max_connections,
        max_value_bytes=max_value_bytes,
    )
