"""Packed documents: every category list and article list of one model in one document.

A pack is *derived* data: ``partsagent catalog pack DIR`` (and ``catalog
generate``) writes it next to the standard documents, from them, and
advertises it in ``index.json``. A report needs the lists of every variant of
its vehicle; on a plain static server each is a request, while the model's
pack is one. The layout (docs/catalog-format.md, "Packed documents"):

* ``index.json`` gains ``"pack": {"format": "partsagent-pack/1", "version": V}``,
  where ``V`` is a hash of the standard documents the packs were made from;
* ``packs/{V}/manufacturers/{mid}/models/{model_id}.json`` holds
  ``{"format", "version", "manufacturer_id", "model_id", "categories": {id: category},
  "lists": [[article, ...], ...], "variants": {vid: {"categories": [id or category],
  "articles": {cid: index into lists}}}}``; identical article lists (a bonnet fits
  every variant) are stored once.

A client uses a pack only when its version is the one ``index.json`` names,
so it never mixes a stale pack with fresh documents; anything a pack lacks is
read from the standard layout.
"""

from __future__ import annotations

import hashlib
import shutil
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from .._exceptions import CatalogError, CatalogFormatError, InputError, NotFound
from . import documents as doc
from .documents import Deferred
from .ids import check_id

__all__ = [
    "PACKS_DIR",
    "PACK_FORMAT",
    "RecentPacks",
    "expand_pack",
    "iter_packs",
    "pack_bucket",
    "pack_path",
    "pack_version_of_index",
    "stale_version",
]

PACK_FORMAT = "partsagent-pack/1"
PACKS_DIR = "packs"

Item = Deferred[Any] | CatalogError


class _PackRefused(CatalogFormatError):
    """A pack that is not the one asked for (another model, a list index out of range):
    none of its lists is used; the model's documents are read instead."""


def pack_path(version: str, mid: str, model_id: str) -> str:
    """Where the pack of one model lives, after the id checks."""
    check_id(version, what="pack version")
    check_id(mid, what="manufacturer id")
    check_id(model_id, what="model id")
    return f"{PACKS_DIR}/{version}/manufacturers/{mid}/models/{model_id}.json"


def pack_version_of_index(index: Any) -> str | None:
    """The pack version a decoded ``index.json`` advertises, or None (no pack we can read)."""
    pack = index.get("pack") if isinstance(index, dict) else None
    if not isinstance(pack, dict) or pack.get("format") != PACK_FORMAT:
        return None
    version = pack.get("version")
    try:
        return check_id(version, what="pack version")
    except InputError:
        return None


# -- reading ---------------------------------------------------------------------


def expand_pack(
    data: bytes,
    path: str,
    version: str,
    *,
    mid: str,
    model_id: str,
    variants: Collection[str],
) -> dict[str, Item]:
    """The standard documents a pack holds, by contract path, each not yet validated.

    A variant's article list that the pack lacks, for a category some variant
    of the model has, is a NotFound: the planner asks for every category of the
    vehicle on every variant, and the answer must not cost another request.
    Raises CatalogFormatError for a document that is not a pack of ``version``
    (``_PackRefused`` for a pack of another model, of variants the model does not
    have, or with a list index out of range: its lists are never used).
    """
    try:
        pack = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        # Cut short or garbled on the way: retried like any body that is not JSON.
        raise CatalogFormatError(path, f"the pack is not JSON ({exc})", unparseable=True) from None
    try:
        if pack["format"] != PACK_FORMAT or pack["version"] != version:
            raise CatalogFormatError(
                path, f"not a {PACK_FORMAT} document of version {version}; the index is newer"
            )
        if (pack["manufacturer_id"], pack["model_id"]) != (mid, model_id):
            raise _PackRefused(
                path,
                f"holds model {str(pack['model_id'])[:64]!r} of manufacturer "
                f"{str(pack['manufacturer_id'])[:64]!r}, not {model_id!r} of {mid!r}",
            )
        table: dict[str, Any] = pack["categories"]
        lists: list[Any] = pack["lists"]
        variants_in: dict[str, Any] = pack["variants"]
        foreign = sorted(set(variants_in) - set(variants))
        if foreign:
            raise _PackRefused(path, f"holds variants {foreign[:5]} that model {model_id} lacks")
        out: dict[str, Item] = {}
        shared = [
            Deferred(doc.ARTICLES, f"{path}#lists/{i}", orjson.dumps(x))
            for i, x in enumerate(lists)
        ]
        union: set[str] = set()
        for entry in variants_in.values():
            union.update(entry["articles"])
        for vid, entry in variants_in.items():
            check_id(vid, what="variant id")
            cats = [table[c] if isinstance(c, str) else c for c in entry["categories"]]
            cpath = doc.categories_path(mid, vid)
            out[cpath] = Deferred.of(doc.CATEGORIES, cpath, cats)
            articles: dict[str, Any] = entry["articles"]
            for cid in union:
                apath = doc.articles_path(mid, vid, cid)
                index = articles.get(cid)
                if index is None:
                    out[apath] = NotFound(apath, "not in the pack")
                elif type(index) is int and 0 <= index < len(shared):
                    out[apath] = shared[index]
                else:
                    raise _PackRefused(
                        path, f"list index {str(index)[:20]} of {apath} is not one of its lists"
                    )
    except CatalogFormatError:
        raise
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise _PackRefused(path, f"bad pack ({type(exc).__name__}: {exc})") from None
    except InputError as exc:
        raise _PackRefused(path, f"bad pack ({exc})") from None
    return out


def stale_version(directory: str | Path) -> tuple[str, str] | None:
    """(advertised, current) pack versions of the bucket in ``directory`` when they differ.

    None when its packs match its documents, or when it advertises none. The
    version is a hash of the standard documents, so any document edited, added
    or removed since ``catalog pack`` makes the packs stale.
    """
    root = Path(directory)
    try:
        index = orjson.loads((root / doc.INDEX_PATH).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    advertised = pack_version_of_index(index)
    if advertised is None:
        return None
    current = _version(_standard_documents(root))
    return None if current == advertised else (advertised, current)


# -- writing ---------------------------------------------------------------------


def _version(documents: Mapping[str, bytes]) -> str:
    """A hash of the standard documents: packs made from other documents get another."""
    digest = hashlib.sha256()
    for rel in sorted(documents):
        digest.update(rel.encode() + b"\0" + documents[rel] + b"\0")
    return digest.hexdigest()[:16]


def _model_pack(
    read: Callable[[str], bytes | None], version: str, mid: str, model: dict[str, Any]
) -> bytes:
    table: dict[str, Any] = {}
    lists: list[Any] = []
    seen: dict[bytes, int] = {}
    variants: dict[str, Any] = {}
    for variant in model["variants"]:
        vid = variant["id"]
        raw = read(doc.categories_path(mid, vid))
        if raw is None:
            continue  # no category list: the client reads the standard layout (a 404)
        refs: list[Any] = []
        articles: dict[str, int] = {}
        for cat in orjson.loads(raw):
            known = table.setdefault(cat["id"], cat)
            refs.append(cat["id"] if known == cat else cat)
            listed = read(doc.articles_path(mid, vid, cat["id"]))
            if listed is None:
                continue
            items = orjson.loads(listed)
            key = orjson.dumps(items)
            if key not in seen:
                seen[key] = len(lists)
                lists.append(items)
            articles[cat["id"]] = seen[key]
        variants[vid] = {"categories": refs, "articles": articles}
    pack = {
        "format": PACK_FORMAT,
        "version": version,
        "manufacturer_id": mid,
        "model_id": model["id"],
        "categories": table,
        "lists": lists,
        "variants": variants,
    }
    return orjson.dumps(pack) + b"\n"


def iter_packs(documents: Mapping[str, bytes]) -> Iterator[tuple[str, bytes]]:
    """The packs of a bucket held as ``{path: bytes}`` (standard documents, no index), index last.

    Yields ``(path, bytes)`` of every pack and, last, the ``"pack"`` entry to
    put in ``index.json`` as JSON bytes.
    """
    version = _version(documents)
    for maker in orjson.loads(documents[doc.MANUFACTURERS_PATH]):
        models = documents.get(doc.models_path(maker["id"]))
        if models is None:
            continue
        for model in orjson.loads(models):
            yield (
                pack_path(version, maker["id"], model["id"]),
                _model_pack(documents.get, version, maker["id"], model),
            )
    yield doc.INDEX_PATH, orjson.dumps({"format": PACK_FORMAT, "version": version})


def _standard_documents(root: Path) -> dict[str, bytes]:
    documents: dict[str, bytes] = {}
    for file in sorted(root.rglob("*.json")):
        if not file.is_file():  # a FIFO or device would block the read for ever
            continue
        rel = file.relative_to(root).as_posix()
        if rel != doc.INDEX_PATH and not rel.startswith(PACKS_DIR + "/"):
            documents[rel] = file.read_bytes()
    return documents


def pack_bucket(directory: str | Path) -> dict[str, Any]:
    """Write the packs of the bucket in ``directory`` and advertise them in its index.json.

    Packs of an earlier version are removed. Returns the version, how many
    packs were written and their bytes, and the bytes of the standard lists.
    """
    root = Path(directory)
    index_file = root / doc.INDEX_PATH
    try:
        index = orjson.loads(index_file.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        raise InputError(
            f"{str(root)!r} holds no readable index.json; pass a bucket directory"
        ) from None
    if not isinstance(index, dict) or not (root / doc.MANUFACTURERS_PATH).is_file():
        raise InputError(f"{str(root)!r} is not a catalog bucket; pass a bucket directory")
    documents = _standard_documents(root)
    packs, entry = _split(iter_packs(documents))
    shutil.rmtree(root / PACKS_DIR, ignore_errors=True)
    for rel, data in packs:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    index["pack"] = orjson.loads(entry)
    index_file.write_bytes(orjson.dumps(index, option=orjson.OPT_INDENT_2) + b"\n")
    lists = sum(
        len(data)
        for rel, data in documents.items()
        if rel.endswith("s.json") and "/variants/" in rel
    )
    return {
        "version": index["pack"]["version"],
        "packs": len(packs),
        "pack bytes": sum(len(data) for _, data in packs),
        "list bytes": lists,
    }


def _split(items: Iterable[tuple[str, bytes]]) -> tuple[list[tuple[str, bytes]], bytes]:
    """The packs, and the index entry that ``iter_packs`` yields last."""
    *packs, (_, entry) = items
    return packs, entry


def _fresh(items: dict[str, Item]) -> dict[str, Item]:
    """New unvalidated documents and new errors for ``items``; shared lists stay shared.

    Never the same error object twice: an exception raised again grows its
    traceback by the frames of each raise, and with them everything they hold.
    """
    fresh: dict[int, Deferred[Any]] = {}
    return {
        p: fresh.setdefault(id(d), Deferred(d.adapter, d.path, d.data))
        if isinstance(d, Deferred)
        else type(d)(d.path, d.detail)
        for p, d in items.items()
    }


class RecentPacks:
    """The packs a source read last, expanded, up to ``max_bytes`` of their lists' JSON.

    A report's lists stay in the manager's cache; but a cache smaller than the
    reports' working set evicts them, and each miss would read and parse the
    model's whole pack again (a pack is a whole model). Kept here, a pack is
    read once while it is in use. Only the JSON of the lists is held, never a
    validated value: each use hands out fresh, unvalidated documents, so the
    memory is the bytes counted.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._packs: OrderedDict[str, tuple[dict[str, Item], int]] = OrderedDict()
        self._bytes = 0

    def get(self, path: str) -> dict[str, Item] | None:
        """The documents of the pack at ``path``, fresh, or None when it is not kept."""
        kept = self._packs.get(path)
        if kept is None:
            return None
        self._packs.move_to_end(path)
        return _fresh(kept[0])

    def peek(self, path: str, rel: str) -> Item | None:
        """The document ``rel`` of the kept pack at ``path``, as kept (not to hand out)."""
        kept = self._packs.get(path)
        return None if kept is None else kept[0].get(rel)

    def put(self, path: str, items: dict[str, Item]) -> None:
        """Keep ``items`` (as read, unvalidated); the least recently used packs make room."""
        kept = _fresh(items)
        size = sum(
            len(d.data)
            for d in {id(d): d for d in kept.values() if isinstance(d, Deferred)}.values()
        )
        if size > self.max_bytes or path in self._packs:
            return
        self._packs[path] = (kept, size)
        self._bytes += size
        while self._bytes > self.max_bytes:
            _, (_, freed) = self._packs.popitem(last=False)
            self._bytes -= freed
