"""search_parts and check_compatibility: articles that fit, ranked, through the manager."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from .._catalog.cache import MISSING
from .._catalog.documents import articles_key
from .._catalog.fanout import ItemResult
from .._catalog.ids import check_id
from .._catalog.manager import ArticleRequest, BucketManager
from .._exceptions import NotFound
from .._metrics import timer
from .._models import NOWHERE, Article, Position

__all__ = [
    "ArticleOption",
    "Compatibility",
    "PartNeed",
    "PartOptions",
    "check_compatibility",
    "kept_options",
    "search_parts",
]

QUALITY_RANK = {"OE": 0, "OES": 1, "aftermarket": 2}


# The pricer's working data: built by the library from validated catalog models, dozens
# per report, never crossing the user boundary, so plain frozen dataclasses.


@dataclass(frozen=True, slots=True)
class PartNeed:
    """One category wanted at one position (a line of the report before pricing)."""

    category_id: str
    position: Position = NOWHERE


@dataclass(frozen=True, slots=True)
class ArticleOption:
    """One article for a need, and the variants it fits."""

    article: Article
    fits_variants: tuple[str, ...]
    fits_all: bool


@dataclass(frozen=True, slots=True)
class PartOptions:
    """Ranked articles for one need: fitting every variant first, then OE, OES, aftermarket."""

    need: PartNeed
    options: tuple[ArticleOption, ...]
    errors: tuple[str, ...] = ()
    ranked: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)
    """What pricing worked out of these options for a build and a currency (``lines``):
    kept options are searched once per vehicle, and so ranked once per build."""


class Compatibility(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    article_id: str
    variant_id: str
    fits: bool
    why: str
    category_id: str | None = None


@dataclass(frozen=True, slots=True)
class _Key:
    variant_id: str
    category_id: str


def _rank(option: ArticleOption) -> tuple[int, int, object, str]:
    a = option.article
    return (0 if option.fits_all else 1, QUALITY_RANK[a.quality], a.price.amount, a.id)


def kept_options(
    catalog: BucketManager,
    manufacturer_id: str,
    variant_ids: Sequence[str],
    needs: Sequence[PartNeed],
) -> list[PartOptions | None]:
    """The options of each need an earlier search left in the manager's ``derived`` memo
    (still resting on cached lists), or None."""
    vids = tuple(variant_ids)
    found = [catalog.derived.get(("parts", manufacturer_id, vids, n)) for n in needs]
    return [None if f is MISSING else f for f in found]


@timer("tool.search_parts")
async def search_parts(
    catalog: BucketManager,
    manufacturer_id: str,
    variant_ids: Sequence[str],
    needs: Sequence[PartNeed],
    *,
    deadline: float | None = None,
    kept: Sequence[PartOptions | None] | None = None,
) -> list[PartOptions]:
    """Articles for every need on every variant, fetched concurrently, filtered by position.

    An article listed for several of the variants is one option that says
    which variants it fits; options fitting all of them rank first. A need's
    options are kept for the next search while every list they come from is
    cached (``kept_options``; ``kept``: what it gave, if the caller asked it already);
    options with an error are never kept.
    """
    check_id(manufacturer_id, what="manufacturer id")
    out = (
        list(kept)
        if kept is not None
        else kept_options(catalog, manufacturer_id, variant_ids, needs)
    )
    todo = [n for n, o in zip(needs, out, strict=True) if o is None]
    if not todo:
        return out  # type: ignore[return-value]
    cids = list(dict.fromkeys(n.category_id for n in todo))
    requests = [ArticleRequest(manufacturer_id, vid, cid) for vid in variant_ids for cid in cids]
    since = catalog.derived.since()
    results = await catalog.get_articles_concurrent(requests, deadline=deadline)
    by_key = {_Key(r.request.variant_id, r.request.category_id): r for r in results}
    vids = tuple(variant_ids)
    made = [_options(need, variant_ids, by_key) for need in todo]
    for need, options in zip(todo, made, strict=True):
        if not options.errors:
            sources = [articles_key(manufacturer_id, v, need.category_id) for v in vids]
            key = ("parts", manufacturer_id, vids, need)
            catalog.derived.put(key, options, sources, since=since)
    done = iter(made)
    return [o if o is not None else next(done) for o in out]


def _options(
    need: PartNeed, variant_ids: Sequence[str], by_key: dict[_Key, ItemResult[Any, Any]]
) -> PartOptions:
    """One need's options, ranked, from the article lists of every variant."""
    fits: dict[str, list[str]] = {}
    articles: dict[str, Article] = {}
    errors: list[str] = []
    for vid in variant_ids:
        r = by_key[_Key(vid, need.category_id)]
        if r.error is not None:
            if not isinstance(r.error, NotFound):
                errors.append(str(r.error))
            continue
        for article in r.value or ():
            if need.position.admits(article.position):
                articles.setdefault(article.id, article)
                fits.setdefault(article.id, []).append(vid)
    options = sorted(
        (
            ArticleOption(
                article=articles[aid],
                fits_variants=tuple(vids),
                fits_all=len(vids) == len(variant_ids),
            )
            for aid, vids in fits.items()
        ),
        key=_rank,
    )
    return PartOptions(need=need, options=tuple(options), errors=tuple(errors))


@timer("tool.check_compatibility")
async def check_compatibility(
    catalog: BucketManager,
    manufacturer_id: str,
    variant_id: str,
    article_id: str,
    *,
    category_id: str | None = None,
) -> Compatibility:
    """Whether an article is listed for a variant, and why (or why not)."""
    check_id(article_id, what="article id")
    if category_id is not None:
        cids = [category_id]
    else:
        categories = await catalog.load_categories_for_variant(manufacturer_id, variant_id)
        cids = [c.id for c in categories]
    results = await catalog.get_articles_concurrent(
        [ArticleRequest(manufacturer_id, variant_id, cid) for cid in cids]
    )
    for r in results:
        for article in r.value or ():
            if article.id == article_id:
                return Compatibility(
                    article_id=article_id,
                    variant_id=variant_id,
                    fits=True,
                    category_id=r.request.category_id,
                    why=(
                        f"{article.brand} {article.article_no} is listed for variant {variant_id} "
                        f"in category {r.request.category_id}"
                    ),
                )
    failed = [r for r in results if r.error is not None and not isinstance(r.error, NotFound)]
    why = f"article {article_id} is not listed for variant {variant_id}"
    if failed:
        why += f" in the categories that could be read ({len(failed)} could not)"
    return Compatibility(article_id=article_id, variant_id=variant_id, fits=False, why=why)
