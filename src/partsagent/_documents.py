"""The catalog contract in code: where each document lives and how it is parsed.

Every source builds paths here, after checking ids, and parses bytes here, so
that a hostile id or an off-contract document is refused the same way whatever
the transport.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from ._exceptions import CatalogFormatError
from ._ids import check_id
from ._models import Article, CatalogIndex, Category, Manufacturer, Model

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


def parse(adapter: TypeAdapter[T], path: str, data: bytes) -> T:
    """Validate a raw document; any JSON or schema problem becomes CatalogFormatError(path)."""
    try:
        return adapter.validate_json(data)
    except ValidationError as exc:
        raise _format_error(path, exc) from None


def parse_obj(adapter: TypeAdapter[T], path: str, obj: Any) -> T:
    """Like parse() for an already-decoded JSON value (the batch endpoint's items)."""
    try:
        return adapter.validate_python(obj)
    except ValidationError as exc:
        raise _format_error(path, exc) from None


def _format_error(path: str, exc: ValidationError) -> CatalogFormatError:
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in first["loc"]) or "document"
    return CatalogFormatError(path, f"{where}: {first['msg']}")


class Deferred(Generic[T]):
    """A document that arrived but is not validated yet; ``resolve()`` validates it.

    Validation is most of the CPU a cold batch costs. Batch items that nobody
    is waiting for (fetched only to warm the cache) stay deferred until first
    read, and most are never read.
    """

    __slots__ = ("adapter", "data", "path")

    def __init__(self, adapter: TypeAdapter[T], path: str, data: Any) -> None:
        self.adapter = adapter
        self.path = path
        self.data = data

    def __repr__(self) -> str:
        return f"Deferred({self.path!r})"

    def resolve(self) -> T:
        """The validated document, or CatalogFormatError naming its path."""
        return parse_obj(self.adapter, self.path, self.data)
