"""HttpBucket: a catalog bucket behind any HTTP server, read with aiohttp.

aiohttp's errors are translated here, once: 404 -> NotFound; 5xx, 429,
connection errors, resets, truncated bodies and timeouts -> CatalogUnavailable
(retryable); bad JSON, off-contract documents and oversized bodies ->
CatalogFormatError.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import orjson

from .._exceptions import (
    CatalogError,
    CatalogFormatError,
    CatalogUnavailable,
    InputError,
    NotFound,
)
from .._urls import redact_text, redact_url
from . import documents as doc
from .source import BatchItem, BucketReader

if TYPE_CHECKING:
    import aiohttp

__all__ = ["BATCH_HEADER", "HttpBucket"]

T = TypeVar("T")

#: A server that offers the batch endpoint says so on every response with this header.
BATCH_HEADER = "X-Partsagent-Batch"
BATCH_PREFIX = "_batch"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
_CHUNK = 64 * 1024
#: A Retry-After beyond this many seconds is capped; the manager honours it up to this,
#: unless it reaches past the lookup's deadline.
MAX_RETRY_AFTER = 60.0
#: The project's server refuses larger batches.
MAX_BATCH = 100


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta or HTTP date); None if absent or nonsense."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


class HttpBucket(BucketReader):
    """Reads the contract over HTTP(S) with one aiohttp session per source.

    Works against a plain static file server; uses the project's batch
    endpoint when the server announces it with the ``X-Partsagent-Batch``
    header. A query string in ``base_url`` (a token, a signature) is sent with
    every request; it and any userinfo are shown only redacted (``name``, ``repr``,
    messages).
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        connection_limit: int = 20,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise InputError(
                f"catalog URL {redact_url(base_url)!r} must start with http:// or https://"
            )
        if timeout <= 0:
            raise InputError("timeout must be a positive number of seconds")
        try:
            parts = urlsplit(base_url)
        except ValueError:
            raise InputError(f"catalog URL {redact_url(base_url)!r} is not a valid URL") from None
        # Kept private: it may hold credentials. Requests go to _base + path + _query.
        self._base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + "/", "", ""))
        self._query = f"?{parts.query}" if parts.query else ""
        self.base_url = redact_url(self._base + self._query)
        """The base URL as it may be shown: credentials redacted."""
        self.name = self.base_url
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        self._connection_limit = connection_limit
        self._headers = dict(headers or {})
        self._session: aiohttp.ClientSession | None = None
        self.batch_endpoint: bool | None = None
        """None until the first response tells whether the server offers the batch endpoint."""

    def __repr__(self) -> str:
        return f"HttpBucket({self.base_url!r})"

    def _get_session(self) -> aiohttp.ClientSession:
        self._check_open()
        if self._session is None:
            # Imported on first use: ~90 ms that a local catalog never needs.
            import aiohttp

            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connection_limit),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers=self._headers,
            )
        return self._session

    async def _fetch(self, rel: str) -> bytes:
        session = self._get_session()
        import aiohttp  # loaded by _get_session

        url = self._base + rel
        if self._query:
            url += ("&" + self._query[1:]) if "?" in rel else self._query
        try:
            async with session.get(url, allow_redirects=False) as resp:
                if BATCH_HEADER in resp.headers:
                    self.batch_endpoint = True
                elif self.batch_endpoint is None:
                    self.batch_endpoint = False
                status = resp.status
                if status == 404:
                    raise NotFound(rel)
                if status >= 500 or status == 429:
                    wait = _retry_after(resp.headers.get("Retry-After"))
                    raise CatalogUnavailable(
                        rel,
                        f"HTTP {status}" + (f", Retry-After {wait:g}s" if wait else ""),
                        retry_after=wait,
                    )
                if status != 200:
                    raise CatalogError(rel, f"unexpected HTTP {status}; check the catalog URL")
                length = resp.content_length
                if length is not None and length > self.max_body_bytes:
                    raise CatalogFormatError(
                        rel, f"body of {length} bytes exceeds the {self.max_body_bytes}-byte cap"
                    )
                buf = bytearray()
                async for chunk in resp.content.iter_chunked(_CHUNK):
                    buf += chunk
                    if len(buf) > self.max_body_bytes:
                        raise CatalogFormatError(
                            rel, f"body exceeds the {self.max_body_bytes}-byte cap"
                        )
                return bytes(buf)
        except CatalogError:
            raise
        except TimeoutError:
            raise CatalogUnavailable(rel, f"no complete answer within {self.timeout:g}s") from None
        except aiohttp.ClientPayloadError:
            raise CatalogUnavailable(rel, "truncated body") from None
        except aiohttp.ClientError as exc:
            # "from None": aiohttp's errors may hold the URL, credentials included;
            # what they say is kept here, redacted.
            raise CatalogUnavailable(
                rel, f"connection failed ({type(exc).__name__}: {redact_text(str(exc))[:200]})"
            ) from None

    async def read(self, rel: str) -> bytes:
        return await self._fetch(rel)

    async def _read_lists(self, paths: Sequence[str]) -> Mapping[str, BatchItem]:
        """Lists no pack answered: with the batch endpoints, one request per manufacturer
        and kind; else one document at a time."""
        if not self.batch_endpoint or len(paths) < 2:
            return await super()._read_lists(paths)
        groups: dict[tuple[str, bool], list[tuple[str, str]]] = {}
        for path in dict.fromkeys(paths):
            mid, vid, cid = doc.list_path_ids(path)
            groups.setdefault((mid, cid is None), []).append(
                (path, vid if cid is None else f"{vid}/{cid}")
            )
        out: dict[str, BatchItem] = {}
        for (mid, categories), items in groups.items():
            for start in range(0, len(items), MAX_BATCH):
                chunk = items[start : start + MAX_BATCH]
                query = ",".join(spec for _, spec in chunk)
                rel = (
                    f"{BATCH_PREFIX}/manufacturers/{mid}/categories?variants={query}"
                    if categories
                    else f"{BATCH_PREFIX}/manufacturers/{mid}/articles?items={query}"
                )
                out.update(await self._batch(rel, [path for path, _ in chunk]))
        return out

    async def _batch(self, rel: str, paths: list[str]) -> dict[str, BatchItem]:
        body = await self._fetch(rel)
        try:
            payload: Any = orjson.loads(body)
            items = payload["items"]
            if not isinstance(items, dict):
                raise TypeError("items is not an object")
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            # Not the answer of a batch endpoint at all (cut short, a proxy's page): retried.
            raise CatalogFormatError(
                rel, f"the batch answer does not parse ({exc})", unparseable=True
            ) from None
        out: dict[str, BatchItem] = {}
        for path in paths:
            item = items.get(path)
            if item is None:
                out[path] = NotFound(path)
            elif isinstance(item, list):
                out[path] = doc.Deferred.of(doc.list_adapter(path), path, item)
            else:
                out[path] = CatalogFormatError(path, "the document is not a JSON list")
        return out

    async def _open(self) -> None:
        self._get_session()

    async def aclose(self) -> None:
        self._closed = True
        await self._stop_finder()  # it reads through the session
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
