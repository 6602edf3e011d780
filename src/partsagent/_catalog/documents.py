"""The catalog contract in code: where each document lives and how it is parsed.

Every source builds paths here, after checking ids, and parses bytes here, so
that a hostile id or an off-contract document is refused the same way whatever
the transport.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

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
# The same lists as plain lists of their elements, for resolve_all.
_ELEMENTS: dict[TypeAdapter[Any], TypeAdapter[list[Any]]] = {
    ARTICLES: TypeAdapter(list[Article]),
    CATEGORIES: TypeAdapter(list[Category]),
}


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


def parse_obj(adapter: TypeAdapter[T], path: str, obj: Any) -> T:
    """Like parse() for an already-decoded JSON value (the batch endpoint's items)."""
    try:
        return adapter.validate_python(obj)
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


def resolve_all(items: Sequence[Deferred[Any]]) -> list[Any]:
    """Validate several deferred lists; each value or its CatalogFormatError, in order.

    The variants of one model share most of their articles and categories, so a
    batch repeats the same elements many times: an element that recurs (same id,
    same content) is validated once and its model shared. A list with anything
    unusual (an element without an id, an id whose content differs from an
    earlier list's) is validated alone, and so is every list when one element
    is invalid, so that an error names the right document.
    """
    out: list[Any] = [None] * len(items)
    groups: dict[TypeAdapter[Any], list[int]] = {}
    for i, item in enumerate(items):
        if item.adapter in _ELEMENTS and isinstance(item.data, list):
            groups.setdefault(item.adapter, []).append(i)
        else:
            out[i] = _resolve_one(item)
    for adapter, indices in groups.items():
        unique: dict[str, Any] = {}
        shared = {i for i in indices if _collect(items[i].data, unique)}
        try:
            validated = _ELEMENTS[adapter].validate_python(list(unique.values()))
        except ValidationError:
            shared = set()
        else:
            models = dict(zip(unique, validated, strict=True))
        for i in indices:
            if i in shared:
                out[i] = tuple(models[element["id"]] for element in items[i].data)
            else:
                out[i] = _resolve_one(items[i])
    return out


def _collect(elements: list[Any], unique: dict[str, Any]) -> bool:
    """Add the elements to ``unique`` by id; False if this list cannot share them."""
    for element in elements:
        key = element.get("id") if isinstance(element, dict) else None
        if not isinstance(key, str):
            return False
        seen = unique.setdefault(key, element)
        if seen is not element and seen != element:
            return False
    return True


def _resolve_one(item: Deferred[Any]) -> Any:
    try:
        return item.resolve()
    except CatalogFormatError as exc:
        return exc
