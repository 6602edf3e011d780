"""The catalog contract in code: where each document lives and how it is parsed.

Every source builds paths here, after checking ids, and parses bytes here, so
that a hostile id or an off-contract document is refused the same way whatever
the transport.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import orjson
from pydantic import TypeAdapter, ValidationError

from .._exceptions import CatalogFormatError, InputError
from .._models import Article, CatalogIndex, Category, Manufacturer, Model
from .ids import check_id

T = TypeVar("T")

INDEX_PATH = "index.json"
MANUFACTURERS_PATH = "manufacturers.json"

INDEX: TypeAdapter[CatalogIndex] = TypeAdapter(CatalogIndex)
MANUFACTURERS: TypeAdapter[tuple[Manufacturer, ...]] = TypeAdapter(tuple[Manufacturer, ...])
MODELS: TypeAdapter[tuple[Model, ...]] = TypeAdapter(tuple[Model, ...])
CATEGORIES: TypeAdapter[tuple[Category, ...]] = TypeAdapter(tuple[Category, ...])
ARTICLES: TypeAdapter[tuple[Article, ...]] = TypeAdapter(tuple[Article, ...])


def models_path(mid: str) -> str:
    return f"manufacturers/{check_id(mid, what='manufacturer id')}/models.json"


def categories_path(mid: str, vid: str) -> str:
    check_id(mid, what="manufacturer id")
    check_id(vid, what="variant id")
    return f"manufacturers/{mid}/variants/{vid}/categories.json"


def articles_path(mid: str, vid: str, cid: str) -> str:
    check_id(mid, what="manufacturer id")
    check_id(vid, what="variant id")
    check_id(cid, what="category id")
    return f"manufacturers/{mid}/variants/{vid}/categories/{cid}/articles.json"


MANUFACTURERS_KEY = "manufacturers/"
"""The cache key of the manufacturers list."""


def models_key(mid: str) -> str:
    """The cache key of a manufacturer's models (a dict key only: no id is checked)."""
    return f"models/{mid}"


def categories_key(mid: str, vid: str) -> str:
    """The cache key of a variant's category list (a dict key only: no id is checked)."""
    return f"categories/{mid}/{vid}"


def articles_key(mid: str, vid: str, cid: str) -> str:
    """The cache key of an article list (a dict key only: no id is checked)."""
    return f"articles/{mid}/{vid}/{cid}"


_LIST_PATH = re.compile(
    r"manufacturers/([^/]+)/variants/([^/]+)/(?:categories\.json|categories/([^/]+)/articles\.json)"
)


def list_path_ids(path: str) -> tuple[str, str, str | None]:
    """(manufacturer, variant, category or None) of a category-list or article-list path.

    These are the documents a batch can carry; anything else is refused here.
    """
    match = _LIST_PATH.fullmatch(path)
    if match is None:
        raise InputError(f"{path[:120]!r} is not the path of a category list or an article list")
    mid, vid, cid = match.groups()
    check_id(mid, what="manufacturer id")
    check_id(vid, what="variant id")
    if cid is not None:
        check_id(cid, what="category id")
    return mid, vid, cid


def list_adapter(path: str) -> TypeAdapter[Any]:
    """The adapter of a path that ``list_path_ids`` accepted."""
    return ARTICLES if path.endswith("/articles.json") else CATEGORIES


def parse(adapter: TypeAdapter[T], path: str, data: bytes) -> T:
    """Validate a raw document; any JSON or schema problem becomes CatalogFormatError(path).

    A body that is not JSON at all is ``unparseable`` (retried by the manager).
    """
    try:
        return adapter.validate_json(data)
    except ValidationError as exc:
        raise _format_error(path, exc) from None


def _format_error(path: str, exc: ValidationError) -> CatalogFormatError:
    first = exc.errors(include_url=False)[0]
    if first["type"] == "json_invalid":
        return CatalogFormatError(
            path, f"the body is not JSON, cut short or garbled ({first['msg']})", unparseable=True
        )
    where = ".".join(str(p) for p in first["loc"]) or "document"
    return CatalogFormatError(path, f"{where}: {first['msg']}")


class Deferred(Generic[T]):
    """A document that arrived but is not validated yet; ``resolve()`` validates it.

    Validation is most of the CPU a cold batch costs. Batch items that nobody
    is waiting for (fetched only to warm the cache) stay deferred until first
    read, and most are never read. The document is held as its JSON bytes: one
    object the garbage collector never scans, instead of a tree of dicts, and
    a fifth of their memory. The first ``resolve()`` keeps its result, so a
    Deferred shared by several keys (identical lists) is validated once.
    """

    __slots__ = ("_value", "adapter", "data", "path")

    def __init__(self, adapter: TypeAdapter[T], path: str, data: bytes) -> None:
        self.adapter = adapter
        self.path = path
        self.data = data
        self._value: T | None = None

    @classmethod
    def of(cls, adapter: TypeAdapter[T], path: str, obj: Any) -> Deferred[T]:
        """A Deferred of an already-decoded JSON value (an item of a batch answer)."""
        return cls(adapter, path, orjson.dumps(obj))

    def __repr__(self) -> str:
        return f"Deferred({self.path!r})"

    def resolve(self) -> T:
        """The validated document, or CatalogFormatError naming its path."""
        if self._value is None:
            self._value = parse(self.adapter, self.path, self.data)
        return self._value


def resolve_all(items: Sequence[Deferred[Any]]) -> list[Any]:
    """Validate several deferred lists; each value or its CatalogFormatError, in order.

    The variants of one model share most of their lists (a bonnet fits every
    variant), so a batch repeats the same document many times: identical
    documents are validated once and share one value.
    """
    out: list[Any] = [None] * len(items)
    done: dict[tuple[int, bytes], Any] = {}
    for i, item in enumerate(items):
        key = (id(item.adapter), item.data)
        value = done.get(key)
        if value is None:
            value = done[key] = _resolve_one(item)
        out[i] = value if not isinstance(value, CatalogFormatError) else _resolve_one(item)
    return out


def _resolve_one(item: Deferred[Any]) -> Any:
    try:
        return item.resolve()
    except CatalogFormatError as exc:
        return exc
