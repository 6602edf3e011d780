"""The CatalogSource protocol: one coroutine per document of the contract."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar, runtime_checkable

import orjson
from pydantic import TypeAdapter

from .._exceptions import CatalogError, CatalogFormatError, CatalogUnavailable, NotFound, UsageError
from .._lifecycle import AsyncResource
from .._metrics import counter
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

INDEX_ATTEMPT_TIMEOUT = 2.0
"""Seconds one background read of index.json may take (it is a few hundred bytes)."""
PACK_FAILURES = 3
"""Reads of one pack in a row that got no usable answer before its documents are read instead."""
PACK_REST = 60.0
"""Seconds such a pack is left alone; then it is asked for again."""
INDEX_BACKOFF = (0.05, 30.0)
"""First and longest pause between background reads of index.json that got no answer."""

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
    request_slot: Callable[[], AbstractAsyncContextManager[None]] = contextlib.nullcontext
    """Held around that read; its BucketManager sets it, so the read counts against its limits."""
    _variants_of: dict[tuple[str, str], set[str]] | None = None
    """(manufacturer, model) -> its variants, the only ones its pack may hold."""
    _learnt: dict[str, Sequence[Model]] | None = None
    """The models list each manufacturer's variants were last learnt from."""
    _refused: frozenset[str] = frozenset()
    """Packs refused (another model's, an index out of range): their models' documents are read."""
    _refused_versions: frozenset[str] = frozenset()
    """Pack versions found missing or stale: index.json naming one of them means no packs."""
    _troubled: dict[str, tuple[int, float]] | None = None
    """Pack path -> (reads in a row without a usable answer, when it may be asked for again)."""
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
        self.learn_models(mid, models)
        return models

    def learn_models(self, mid: str, models: Sequence[Model]) -> None:
        """Know which model each variant of ``mid`` belongs to, hence which pack holds its
        lists: from the models list read here, or one a cache gave (another process read it)."""
        if self._model_of is None or self._variants_of is None or self._learnt is None:
            self._model_of, self._variants_of, self._learnt = {}, {}, {}
        elif self._learnt.get(mid) is models:
            return  # this very list (a cache hit): learnt already
        self._learnt[mid] = models
        self._look_for_packs()
        for model in models:
            self._variants_of[(mid, model.id)] = {v.id for v in model.variants}
            for variant in model.variants:
                self._model_of[(mid, variant.id)] = model.id

    def _look_for_packs(self) -> None:
        """Read index.json in the background, alongside the first lists a report reads.

        Never waited on: a slow or lost answer must not hold back the list it
        came with. Until it is in, the standard layout is used; a read that got
        no answer is tried again in the background, with backoff, until one comes
        (the task is the source's: ``aclose`` cancels it).
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
        self._learnt = None
        self._recent = None

    async def _stop_finder(self) -> None:
        """Cancel an index read still running (the source is closing)."""
        finder, self._finder = self._finder, None
        if finder is not None and not finder.done():
            finder.cancel()
            await asyncio.gather(finder, return_exceptions=True)

    async def _find_packs(self) -> None:
        """Read index.json: does the bucket offer packs, and of which version?

        Never raises (but for cancellation): a read that gets no answer (lost,
        stalled, cut short) is tried again after a jittered, growing pause; until
        then the standard layout is used. One lost answer must not turn the packs
        off for as long as the model lists stay cached.
        """
        pause, longest = INDEX_BACKOFF
        while True:
            try:
                async with self.request_slot(), asyncio.timeout(INDEX_ATTEMPT_TIMEOUT):
                    index = orjson.loads(await self.read(doc.INDEX_PATH))
                break
            except (CatalogUnavailable, TimeoutError, orjson.JSONDecodeError):
                pass  # no answer, or one cut short: asked again after a pause
            except CatalogError:
                index = None  # no index: the standard layout, which needs none
                break
            counter("catalog.index_retries")
            await asyncio.sleep(pause * random.uniform(0.5, 1.5))
            pause = min(pause * 2, longest)
        version = packs.pack_version_of_index(index)
        self._pack_known = True
        self._pack_version = None if version in self._refused_versions else version

    def _forget_packs(self, why: str, version: str) -> None:
        """A pack is missing or of another version: read index.json again now, in the background.

        Until index.json names another version, this one is not used again.
        """
        _log.warning("partsagent.catalog.pack_unusable", source=str(self), reason=why)
        counter("catalog.pack_problems", problem="unusable")
        self._refused_versions |= {version}
        self._pack_known = False
        self._pack_version = None
        self._look_for_packs()

    def batch_group(self, path: str) -> str:
        """Documents answered by one request share a group: the model's pack, or the maker."""
        mid, vid, _ = doc.list_path_ids(path)
        model = (self._model_of or {}).get((mid, vid))
        return f"{mid}/{model}" if self._pack_version is not None and model else mid

    async def categories(self, mid: str, vid: str) -> tuple[Category, ...]:
        return await self._get_list(doc.CATEGORIES, mid, vid, doc.categories_path(mid, vid))

    async def articles(self, mid: str, vid: str, cid: str) -> tuple[Article, ...]:
        return await self._get_list(doc.ARTICLES, mid, vid, doc.articles_path(mid, vid, cid))

    async def _get_list(self, adapter: TypeAdapter[T], mid: str, vid: str, rel: str) -> T:
        """A list from the standard layout, compared with its model's pack if one is kept."""
        raw = await self.read(rel)
        self._compare_with_pack(mid, vid, rel, raw)
        return doc.parse(adapter, rel, raw)

    def _compare_with_pack(self, mid: str, vid: str, rel: str, raw: bytes) -> None:
        """A document that says otherwise than the kept pack of its model makes the pack stale.

        Checked whenever a document is read anyway (a list the pack failed to
        give, a single look-up): free, and it catches a bucket edited by hand
        and not packed again. ``partsagent catalog pack --check`` checks them all.
        """
        version, recent = self._pack_version, self._recent
        model = (self._model_of or {}).get((mid, vid))
        if version is None or recent is None or model is None:
            return
        kept = recent.peek(packs.pack_path(version, mid, model), rel)
        if kept is None:
            return
        try:
            same = isinstance(kept, Deferred) and orjson.loads(kept.data) == orjson.loads(raw)
        except orjson.JSONDecodeError:
            return  # a broken document is its own error, not the pack's
        if same:
            return
        _log.warning(
            "partsagent.catalog.pack_stale",
            source=str(self),
            version=version,
            document=rel,
            detail="the document differs from its pack: the bucket changed since "
            "'partsagent catalog pack'; packs of this version are no longer used",
        )
        counter("catalog.pack_problems", problem="stale")
        self._refused_versions |= {version}
        self._pack_version = None
        self._recent = None

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

    async def read_unpacked(self, paths: Sequence[str]) -> Mapping[str, BatchItem]:
        """Like ``read_batch``, without the packs: for lists whose pack failed its retries."""
        for path in paths:
            doc.list_path_ids(path)  # refuse bad paths first
        return await self._read_lists(list(dict.fromkeys(paths)))

    async def _read_lists(self, paths: Sequence[str]) -> Mapping[str, BatchItem]:
        """The lists no pack answered: one document at a time (the HTTP source may batch).

        A document that got no answer is that item's ``CatalogUnavailable`` (the
        manager asks for it again on its own), unless none got one: then the call
        fails, to be retried whole.
        """
        out: dict[str, BatchItem] = {}
        unanswered: CatalogUnavailable | None = None
        for path in paths:
            mid, vid, cid = doc.list_path_ids(path)
            try:
                out[path] = await (
                    self.categories(mid, vid) if cid is None else self.articles(mid, vid, cid)
                )
            except CatalogUnavailable as exc:
                out[path] = unanswered = exc
            except CatalogError as exc:
                if isinstance(exc, CatalogFormatError) and exc.unparseable:  # cut short: no answer
                    out[path] = unanswered = CatalogUnavailable(exc.path, exc.detail)
                else:
                    out[path] = exc
        if unanswered is not None and all(isinstance(v, CatalogUnavailable) for v in out.values()):
            raise unanswered
        return out

    async def _read_packs(
        self, wanted: Mapping[str, tuple[str, str, str | None]]
    ) -> dict[str, BatchItem]:
        """The packs of the models ``wanted`` belongs to, expanded; {} for what they lack.

        A pack that is not the one asked for (``packs._PackRefused``) is never used:
        it is remembered, and its model's documents are read instead, now and later.
        """
        model_of = self._model_of or {}
        models = {
            (mid, model_of[(mid, vid)]) for mid, vid, _ in wanted.values() if (mid, vid) in model_of
        }
        out: dict[str, BatchItem] = {}
        skipped: dict[tuple[str, str], str] = {}
        for mid, model_id in sorted(models):
            version = self._pack_version
            if version is None:
                break
            path = packs.pack_path(version, mid, model_id)
            if path in self._refused or self._resting(path):
                skipped[(mid, model_id)] = path
                continue
            if self._recent is None:
                self._recent = packs.RecentPacks(self.recent_pack_bytes)
            kept = self._recent.get(path)
            if kept is not None:
                out.update(kept)
                continue
            variants = (self._variants_of or {}).get((mid, model_id), set())
            try:
                items = packs.expand_pack(
                    await self.read(path), path, version, mid=mid, model_id=model_id,
                    variants=variants,
                )  # fmt: skip
            except packs._PackRefused as exc:
                _log.warning("partsagent.catalog.pack_refused", source=str(self), reason=str(exc))
                counter("catalog.pack_problems", problem="refused")
                self._refused |= {path}
                skipped[(mid, model_id)] = path
                continue
            except CatalogUnavailable:
                self._pack_failed(path)
                raise  # the request is retried: the pack again, or its documents if it rests
            except CatalogFormatError as exc:
                if exc.unparseable:
                    self._pack_failed(path)
                    raise  # a body cut short: the request is retried
                self._forget_packs(str(exc), version)
                continue
            except NotFound as exc:
                self._forget_packs(str(exc), version)
                continue
            if self._troubled is not None:
                self._troubled.pop(path, None)
            self._recent.put(path, items)
            out.update(items)
        # The lists of a refused or resting pack: read by the manager each on its own
        # (read_unpacked), so that it reads only those somebody waits for.
        for rel, (mid, vid, _) in wanted.items():
            pack = skipped.get((mid, model_of.get((mid, vid), "")))
            if pack is not None and rel not in out:
                out[rel] = CatalogUnavailable(rel, f"its pack {pack} is not used; read on its own")
        return out

    def _pack_failed(self, path: str) -> None:
        """One more read of the pack without a usable answer; the last allowed rests it."""
        if self._troubled is None:
            self._troubled = {}
        failures = self._troubled.get(path, (0, 0.0))[0] + 1
        resting = failures >= PACK_FAILURES
        self._troubled[path] = (failures, time.monotonic() + PACK_REST if resting else 0.0)
        if resting:
            _log.warning(
                "partsagent.catalog.pack_resting",
                source=str(self),
                pack=path,
                seconds=PACK_REST,
                detail=f"{failures} reads in a row failed; its documents are read instead",
            )
            counter("catalog.pack_problems", problem="failed")

    def _resting(self, path: str) -> bool:
        """True while a pack that failed too often is left alone (its documents are read)."""
        troubled = self._troubled
        trouble = None if troubled is None else troubled.get(path)
        if troubled is None or trouble is None or trouble[0] < PACK_FAILURES:
            return False
        if time.monotonic() < trouble[1]:
            return True
        del troubled[path]  # rested: asked for again
        return False

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
