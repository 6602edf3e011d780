"""The CatalogSource protocol: one coroutine per document of the contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar, runtime_checkable

from pydantic import TypeAdapter

from .._exceptions import CatalogError, CatalogUnavailable, UsageError
from .._models import Article, CatalogIndex, Category, Manufacturer, Model
from . import documents as doc
from .documents import Deferred

__all__ = [
    "BatchItem",
    "BucketReader",
    "CatalogSource",
]

T = TypeVar("T")

BatchItem = tuple[Category, ...] | tuple[Article, ...] | Deferred[Any] | CatalogError


@runtime_checkable
class CatalogSource(Protocol):
    """Raw access to a catalog bucket; no caching, no retries (BucketManager adds those)."""

    name: str
    batch_supported: bool | None
    """True when read_batch() costs one request per manufacturer; the manager then prefers it."""

    async def index(self) -> CatalogIndex: ...
    async def manufacturers(self) -> tuple[Manufacturer, ...]: ...
    async def models(self, mid: str) -> tuple[Model, ...]: ...
    async def categories(self, mid: str, vid: str) -> tuple[Category, ...]: ...
    async def articles(self, mid: str, vid: str, cid: str) -> tuple[Article, ...]: ...

    async def read_batch(self, paths: Sequence[str]) -> Mapping[str, BatchItem]:
        """Several category lists and article lists, by path; a failed item maps to its error.

        An item may be a ``Deferred``: received, not yet validated (``resolve()``).
        """
        ...

    async def aclose(self) -> None: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class BucketReader:
    """The document methods every source shares; a subclass supplies ``read``.

    Paths are built (and ids checked) here, once for every transport.
    """

    _closed = False

    async def read(self, rel: str) -> bytes:
        """The raw bytes of the document at ``rel`` (a path built by _documents)."""
        raise NotImplementedError

    async def _get(self, adapter: TypeAdapter[T], rel: str) -> T:
        return doc.parse(adapter, rel, await self.read(rel))

    async def index(self) -> CatalogIndex:
        return await self._get(doc.INDEX, doc.INDEX_PATH)

    async def manufacturers(self) -> tuple[Manufacturer, ...]:
        return await self._get(doc.MANUFACTURERS, doc.MANUFACTURERS_PATH)

    async def models(self, mid: str) -> tuple[Model, ...]:
        return await self._get(doc.MODELS, doc.models_path(mid))

    async def categories(self, mid: str, vid: str) -> tuple[Category, ...]:
        return await self._get(doc.CATEGORIES, doc.categories_path(mid, vid))

    async def articles(self, mid: str, vid: str, cid: str) -> tuple[Article, ...]:
        return await self._get(doc.ARTICLES, doc.articles_path(mid, vid, cid))

    async def read_batch(self, paths: Sequence[str]) -> Mapping[str, BatchItem]:
        """One document at a time, in order: a source without a batch endpoint.

        Sequential on purpose: the manager holds one concurrency slot for this call.
        A retryable failure (CatalogUnavailable) fails the whole call, so that it is
        retried; a missing or broken document is that item's error.
        """
        wanted = {path: doc.list_path_ids(path) for path in paths}  # refuse bad paths first
        out: dict[str, BatchItem] = {}
        for path, (mid, vid, cid) in wanted.items():
            try:
                out[path] = await (
                    self.categories(mid, vid) if cid is None else self.articles(mid, vid, cid)
                )
            except CatalogUnavailable:
                raise
            except CatalogError as exc:
                out[path] = exc
        return out

    def _check_open(self) -> None:
        if self._closed:
            raise UsageError(f"this {type(self).__name__} is closed; open a new one")

    async def aclose(self) -> None:
        self._closed = True

    async def __aenter__(self) -> Self:
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
