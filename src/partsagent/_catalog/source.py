"""The CatalogSource protocol: one coroutine per document of the contract."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar, runtime_checkable

import orjson
from pydantic import TypeAdapter

from .._exceptions import CatalogError, CatalogFormatError, CatalogUnavailable, NotFound, UsageError
from .._lifecycle import AsyncResource
from .._metrics.log import get_logger
from .._models import Article, CatalogIndex, Category, Manufacturer, Model
from . import documents as doc
from . import packs
from .documents import Deferred

__all__ = [
    "BatchItem",
    "BucketReader",
    "CatalogSource",
]

T = TypeVar("T")

_log = get_logger()

BatchItem = tuple[Category, ...] | tuple[Article, ...] | Deferred[Any] | CatalogError


@runtime_checkable
class CatalogSource(Protocol):
    """Raw access to a catalog bucket; no caching, no retries (BucketManager adds those)."""

    name: str

    @property
    def batch_supported(self) -> bool | None:
        """True when read_batch() costs one request per manufacturer or model (then preferred)."""
        ...

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


class BucketReader(AsyncResource):
    """The document methods every source shares; a subclass supplies ``read``.

    Paths are built (and ids checked) here, once for every transport. Packed
    documents (``packs``) are found here too: the first list of manufacturers or
    models read starts reading ``index.json`` alongside; when it advertises
    packs, ``batch_supported`` turns True and ``read_batch`` answers the lists
    of one model from its pack, in one request, with every other list of the
    model as extra items.
    """

    _closed = False
    batch_endpoint: bool | None = False
    """True when the server offers the project's batch endpoints (None: not known yet)."""

    # Class-level defaults, so that a subclass need not call an __init__.
    _pack_version: str | None = None
    _pack_known = False
    """True once index.json said whether packs exist (``_pack_version``)."""
    _model_of: dict[tuple[str, str], str] | None = None
    """(manufacturer, variant) -> model, learnt from the model lists read, for the packs."""
    _finder: asyncio.Task[None] | None = None
    """The background read of index.json (``_look_for_packs``), owned by the source."""
    _recent: packs.RecentPacks | None = None
    recent_pack_bytes = 16 * 1024 * 1024
    """Bytes of recently read packs kept expanded (``packs.RecentPacks``); 0 keeps none."""

    @property
    def batch_supported(self) -> bool | None:
        """True when read_batch() costs one request per pack or per manufacturer."""
        return True if self._pack_version is not None else self.batch_endpoint

    async def read(self, rel: str) -> bytes:
        """The raw bytes of the document at ``rel`` (a path built by _documents)."""
        raise NotImplementedError

    async def _get(self, adapter: TypeAdapter[T], rel: str) -> T:
        return doc.parse(adapter, rel, await self.read(rel))

    async def index(self) -> CatalogIndex:
        return await self._get(doc.INDEX, doc.INDEX_PATH)

    async def manufacturers(self) -> tuple[Manufacturer, ...]:
        self._look_for_packs()
        return await self._get(doc.MANUFACTURERS, doc.MANUFACTURERS_PATH)

    async def models(self, mid: str) -> tuple[Model, ...]:
        path = doc.models_path(mid)  # the id is checked before anything is asked for
        self._look_for_packs()
        models = await self._get(doc.MODELS, path)
        if self._model_of is None:
            self._model_of = {}
        for model in models:
            for variant in model.variants:
                self._model_of[(mid, variant.id)] = model.id
        return models

    def _look_for_packs(self) -> None:
        """Read index.json in the background, alongside the first lists a report reads.

        Never waited on: a slow or lost answer must not hold back the list it
        came with. Until it is in, the standard layout is used; a failed read is
        tried again with the next list of manufacturers or models.
        """
        if self._pack_known or self._closed:
            return
        if self._finder is not None and not self._finder.done():
            return
        self._finder = asyncio.get_running_loop().create_task(
            self._find_packs(), name="partsagent-find-packs"
        )
        self._finder.add_done_callback(_consume)

    async def pack_version(self) -> str | None:
        """The version of the packs the bucket advertises, None without; reads index.json once."""
        self._look_for_packs()
        if self._finder is not None:
            await asyncio.shield(self._finder)
        return self._pack_version

    async def settle_layout(self, limit: float) -> None:
        """Wait up to ``limit`` seconds for an index read in flight: packs or not hangs on it.

        Usually it is long done (it started with the first list); bounded, so that a
        lost answer costs a report at most ``limit`` and then the standard layout.
        """
        finder = self._finder
        if finder is not None and not finder.done():
            await asyncio.wait({finder}, timeout=limit)

    async def forget_layout(self) -> None:
        """Forget whether the bucket has packs, their version and the packs kept: read afresh."""
        await self._stop_finder()
        self._pack_known = False
        self._pack_version = None
        self._model_of = None
        self._recent = None

    async def _stop_finder(self) -> None:
        """Cancel an index read still running (the source is closing)."""
        finder, self._finder = self._finder, None
        if finder is not None and not finder.done():
            finder.cancel()
            await asyncio.gather(finder, return_exceptions=True)

    async def _find_packs(self) -> None:
        """Read index.json once: does the bucket offer packs, and of which version?

        Never raises (but for cancellation): without an answer the standard layout
        is used, and the question is asked again with the next list read.
        """
        try:
            index = orjson.loads(await self.read(doc.INDEX_PATH))
        except (CatalogUnavailable, orjson.JSONDecodeError):
            return  # no answer, or one cut short: asked again next time
        except CatalogError:
            index = None  # no index: the standard layout, which needs none
        self._pack_known = True
        self._pack_version = packs.pack_version_of_index(index)

    def _forget_packs(self, why: str) -> None:
        """A pack is missing or of another version: read index.json again next time."""
        _log.warning("partsagent.catalog.pack_unusable", source=str(self), reason=why)
        self._pack_known = False
        self._pack_version = None

    def batch_group(self, path: str) -> str:
        """Documents answered by one request share a group: the model's pack, or the maker."""
        mid, vid, _ = doc.list_path_ids(path)
        model = (self._model_of or {}).get((mid, vid))
        return f"{mid}/{model}" if self._pack_version is not None and model else mid

    async def categories(self, mid: str, vid: str) -> tuple[Category, ...]:
        return await self._get(doc.CATEGORIES, doc.categories_path(mid, vid))

    async def articles(self, mid: str, vid: str, cid: str) -> tuple[Article, ...]:
        return await self._get(doc.ARTICLES, doc.articles_path(mid, vid, cid))

    async def read_batch(self, paths: Sequence[str]) -> Mapping[str, BatchItem]:
        """From the models' packs when the bucket has them, else one document at a time.

        Sequential on purpose: the manager holds one concurrency slot for this call.
        A retryable failure (CatalogUnavailable) fails the whole call, so that it is
        retried; a missing or broken document is that item's error. From a pack the
        answer holds every list of the model, not only those asked for.
        """
        wanted = {path: doc.list_path_ids(path) for path in paths}  # refuse bad paths first
        out: dict[str, BatchItem] = {}
        if self._pack_version is not None:
            out.update(await self._read_packs(wanted))
        rest = [path for path in wanted if path not in out]
        if rest:
            out.update(await self._read_lists(rest))
        return out

    async def _read_lists(self, paths: Sequence[str]) -> Mapping[str, BatchItem]:
        """The lists no pack answered: one document at a time (the HTTP source may batch)."""
        out: dict[str, BatchItem] = {}
        for path in paths:
            mid, vid, cid = doc.list_path_ids(path)
            try:
                out[path] = await (
                    self.categories(mid, vid) if cid is None else self.articles(mid, vid, cid)
                )
            except CatalogUnavailable:
                raise
            except CatalogError as exc:
                out[path] = exc
        return out

    async def _read_packs(
        self, wanted: Mapping[str, tuple[str, str, str | None]]
    ) -> dict[str, BatchItem]:
        """The packs of the models ``wanted`` belongs to, expanded; {} for what they lack."""
        model_of = self._model_of or {}
        models = {
            (mid, model_of[(mid, vid)]) for mid, vid, _ in wanted.values() if (mid, vid) in model_of
        }
        out: dict[str, BatchItem] = {}
        for mid, model_id in sorted(models):
            version = self._pack_version
            if version is None:
                break
            path = packs.pack_path(version, mid, model_id)
            if self._recent is None:
                self._recent = packs.RecentPacks(self.recent_pack_bytes)
            kept = self._recent.get(path)
            if kept is not None:
                out.update(kept)
                continue
            try:
                items = packs.expand_pack(await self.read(path), path, version)
                self._recent.put(path, items)
                out.update(items)
            except CatalogFormatError as exc:
                if exc.unparseable:
                    raise  # a body cut short: the request is retried
                self._forget_packs(str(exc))
            except NotFound as exc:
                self._forget_packs(str(exc))
        return out

    def _check_open(self) -> None:
        if self._closed:
            raise UsageError(f"this {type(self).__name__} is closed; open a new one")

    async def aclose(self) -> None:
        self._closed = True
        await self._stop_finder()

    async def _open(self) -> None:
        self._check_open()


def _consume(task: asyncio.Task[None]) -> None:
    """A finished background read leaves no 'exception never retrieved' behind."""
    if not task.cancelled():
        task.exception()
