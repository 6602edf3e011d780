"""map_component: the user's words for a damaged part -> a catalog category and a position.

Users write "N/S front wing", "hedlight", "passenger door mirror" or "hood";
catalogs name categories "Wing", "Headlamp", "Door Mirror", "Bonnet". The text
is normalised first (lowercase, typos fixed against the vocabulary, UK and US
words folded onto one word, side and axle words taken out into the position),
then scored with rapidfuzz against each category's name and synonyms, folded
the same way.

Sides depend on the market. GB (and other right-hand-drive markets) puts the
driver on the right: driver = right = offside, passenger = left = nearside. US
(and other left-hand-drive markets) puts the driver on the left: driver = left,
passenger = right. The nearside is always the kerb side: left in GB, right in
the US; the offside is the other one.

An unknown component is not an error: the match says "unknown" with the closest
names, so an agent can warn and go on. Only an empty component raises.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz, process

from .._exceptions import InputError
from .._models import Axle, Category, Position, Side
from .tokens import BASE_VOCAB, SPEC_BY_NAME, fold, normalise_market, parse, raw_tokens, side_in
from .vocabulary import FILLER, RIGHT_HAND_DRIVE_MARKETS, SEVERITY_WORDS, SIDE_LABEL, STOPWORDS

if TYPE_CHECKING:
    from .._catalog.manager import BucketManager

#: DamagedPart.component's limit; a longer run of part words is cut, not refused.
MAX_COMPONENT_CHARS = 200

__all__ = [
    "AMBIGUOUS_MARGIN",
    "MATCH_SCORE",
    "UNKNOWN_SCORE",
    "ComponentCandidate",
    "ComponentMatch",
    "MatchedCategory",
    "map_component",
    "match_component",
]

MATCH_SCORE = 80.0
"""A best score at or above this, clear of the runner-up, is a match."""
UNKNOWN_SCORE = 60.0
"""Below this no category is meant: the component is unknown."""
AMBIGUOUS_MARGIN = 5.0
"""Two categories within this many points of each other make the match ambiguous."""
_AXLE_CONFLICT = 25.0
"""Penalty when the user's axle contradicts the name's or the category's ("rear" vs Bonnet)."""


# -- results -------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class MatchedCategory(_Out):
    id: str
    name: str


class ComponentCandidate(_Out):
    id: str
    name: str
    score: float


class ComponentMatch(_Out):
    """One component of a report mapped onto the catalog.

    ``status`` "matched": ``category`` is the part. "ambiguous": ``category`` is
    the best guess and ``candidates`` the others to choose from. "unknown": no
    category is meant; ``notes`` name the closest ones.
    """

    component: str
    status: Literal["matched", "ambiguous", "unknown"]
    category: MatchedCategory | None = None
    position: Position = Position()
    score: float = 0.0
    candidates: tuple[ComponentCandidate, ...] = ()
    notes: tuple[str, ...] = ()


# -- the index -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    cat: int
    axle: Axle | None
    core: str


@dataclass(slots=True)
class _Index:
    """Folded names of one category list, and the matches already made against it."""

    categories: tuple[Category, ...]
    entries: tuple[_Entry, ...]
    cat_axle: tuple[Axle | None, ...]
    cat_sided: tuple[bool, ...]
    vocab: tuple[str, ...]
    vocab_set: frozenset[str]
    corrections: dict[str, str] = field(default_factory=dict)
    results: OrderedDict[tuple[str, str], ComponentMatch] = field(default_factory=OrderedDict)


_INDEXES: OrderedDict[tuple[object, ...], _Index] = OrderedDict()
_MAX_INDEXES = 128
_MAX_RESULTS = 4096


def _category_axle(category: Category, entries: Iterable[_Entry]) -> Axle | None:
    spec = SPEC_BY_NAME.get(category.name.casefold())
    if spec is not None:
        return spec.axle
    named = {e.axle for e in entries}
    if len(named) == 1:
        return next(iter(named))
    return None


def _build_index(categories: tuple[Category, ...]) -> _Index:
    entries: list[_Entry] = []
    cat_axle: list[Axle | None] = []
    cat_sided: list[bool] = []
    vocab = set(BASE_VOCAB)
    for i, c in enumerate(categories):
        own: list[_Entry] = []
        seen: set[tuple[Axle | None, str]] = set()
        for name in (c.name, *c.synonyms):
            raw = raw_tokens(name)
            vocab.update(raw)
            parsed = parse(fold(raw))
            if not parsed.core or (parsed.axle, parsed.core) in seen:
                continue
            seen.add((parsed.axle, parsed.core))
            own.append(_Entry(i, parsed.axle, parsed.core))
        entries.extend(own)
        cat_axle.append(_category_axle(c, own))
        spec = SPEC_BY_NAME.get(c.name.casefold())
        cat_sided.append(spec.sided if spec is not None else False)
    ordered = tuple(sorted(vocab))
    return _Index(
        categories, tuple(entries), tuple(cat_axle), tuple(cat_sided), ordered, frozenset(ordered)
    )


def _index_for(categories: Sequence[Category]) -> _Index:
    """The index of ``categories``, built once per distinct category list (LRU of 128)."""
    cats = tuple(categories)
    key = tuple((c.id, c.name, c.synonyms) for c in cats)
    index = _INDEXES.get(key)
    if index is None:
        index = _build_index(cats)
        _INDEXES[key] = index
        if len(_INDEXES) > _MAX_INDEXES:
            _INDEXES.popitem(last=False)
    else:
        _INDEXES.move_to_end(key)
    return index


def _correct(token: str, index: _Index) -> str:
    """Fix a typo ("frnt", "bumber", "hedlight") against the vocabulary; short tokens stay."""
    if len(token) < 4 or token in index.vocab_set or token.isdigit():
        return token
    if token in SEVERITY_WORDS or token in FILLER or token in STOPWORDS:
        return token
    fixed = index.corrections.get(token)
    if fixed is None:
        best = process.extractOne(token, index.vocab, scorer=fuzz.ratio, score_cutoff=80)
        fixed = best[0] if best is not None else token
        index.corrections[token] = fixed
    return fixed


def _score(query: str, entry: _Entry) -> float:
    # token_set forgives extra words; token_sort punishes names with words the user did not say,
    # so "bumper" prefers "Bumper Cover" over "Bumper Reinforcement".
    return 0.5 * fuzz.token_set_ratio(query, entry.core) + 0.5 * fuzz.token_sort_ratio(
        query, entry.core
    )


def _closest_note(ranked: Sequence[ComponentCandidate]) -> str:
    return ", ".join(f"{c.name} ({c.score:.0f})" for c in ranked[:3]) or "none"


def _match(text: str, index: _Index, market: str) -> ComponentMatch:
    tokens = [_correct(t, index) for t in raw_tokens(text)]
    parsed = parse(fold(tokens))
    notes: list[str] = []
    if len(parsed.axles) > 1:
        notes.append("both front and rear named; the axle is left open")
    side: Side | None = None
    resolved = {(side_in(market, word), word, raw) for word, raw in parsed.sides}
    if len({s for s, _, _ in resolved}) > 1:
        notes.append("both left and right named; the side is left open")
    elif resolved:
        for s, word, raw in sorted(resolved):
            side = s
            if word not in ("left", "right"):
                label = SIDE_LABEL[word]
                if raw in ("ns", "os", "nsf", "nsr", "osf", "osr"):
                    label = raw[0].upper() + "/S"
                drive = "right" if market in RIGHT_HAND_DRIVE_MARKETS else "left"
                notes.append(f"{label} means {s} in {market} ({drive}-hand drive)")
    if not parsed.core:
        return ComponentMatch(
            component=text,
            status="unknown",
            position=Position(axle=parsed.axle, side=side),
            notes=(f"{text!r} names a position but no part", *notes),
        )
    best: dict[int, float] = {}
    for entry in index.entries:
        score = _score(parsed.core, entry)
        if parsed.axle is not None and (
            (entry.axle is not None and entry.axle != parsed.axle)
            or (index.cat_axle[entry.cat] is not None and index.cat_axle[entry.cat] != parsed.axle)
        ):
            score -= _AXLE_CONFLICT
        if score > best.get(entry.cat, -1.0):
            best[entry.cat] = score
    ranked_ix = sorted(best, key=lambda i: (-best[i], i))
    ranked = tuple(
        ComponentCandidate(
            id=index.categories[i].id,
            name=index.categories[i].name,
            score=round(max(best[i], 0.0), 1),
        )
        for i in ranked_ix[:5]
    )
    top = ranked[0].score if ranked else 0.0
    if top < UNKNOWN_SCORE:
        return ComponentMatch(
            component=text,
            status="unknown",
            position=Position(axle=parsed.axle, side=side),
            score=top,
            candidates=ranked,
            notes=(f"no catalog part matches {text!r}; closest: {_closest_note(ranked)}", *notes),
        )
    chosen = ranked_ix[0]
    category = index.categories[chosen]
    close = [c for c in ranked[1:] if top - c.score <= AMBIGUOUS_MARGIN]
    status: Literal["matched", "ambiguous"] = (
        "ambiguous" if close or top < MATCH_SCORE else "matched"
    )
    if status == "ambiguous":
        others = ", ".join(c.name for c in close) or "nothing close"
        notes.insert(
            0,
            f"{text!r} could mean {category.name} or {others}; name the part more precisely"
            if close
            else f"{text!r} is only a weak match for {category.name} (score {top:.0f})",
        )
    axle = parsed.axle if parsed.axle is not None else index.cat_axle[chosen]
    if side is None and index.cat_sided[chosen] and not parsed.sides:
        notes.append(f"{category.name} comes as left and right; give the side for one exact part")
    return ComponentMatch(
        component=text,
        status=status,
        category=MatchedCategory(id=category.id, name=category.name),
        position=Position(axle=axle, side=side),
        score=top,
        candidates=ranked,
        notes=tuple(notes),
    )


def match_component(
    text: str, categories: Sequence[Category], *, market: str = "GB"
) -> ComponentMatch:
    """Map the user's ``text`` onto one of ``categories`` with the position it names.

    Never raises for an unrecognised part (status "unknown"); raises InputError
    for an empty text or a malformed market.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("the component is empty; name the damaged part, e.g. 'front bumper'")
    if len(text) > 200:
        raise InputError("the component is longer than 200 characters; name one part at a time")
    mkt = normalise_market(market)
    index = _index_for(categories)
    key = (text, mkt)
    cached = index.results.get(key)
    if cached is not None:
        return cached
    result = _match(text.strip(), index, mkt)
    index.results[key] = result
    if len(index.results) > _MAX_RESULTS:
        index.results.popitem(last=False)
    return result


async def map_component(
    catalog: BucketManager,
    manufacturer_id: str,
    variant_id: str,
    component: str,
    *,
    market: str = "GB",
) -> ComponentMatch:
    """Map ``component`` onto the categories of one variant, loaded through the catalog."""
    if not isinstance(component, str) or not component.strip():
        raise InputError("the component is empty; name the damaged part, e.g. 'front bumper'")
    categories = await catalog.load_categories_for_variant(manufacturer_id, variant_id)
    return match_component(component, categories, market=market)
