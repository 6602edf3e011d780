"""map_component: one component in the user's words -> a catalog category and a position.

Users write "N/S front wing", "hedlight", "passenger door mirror" or "hood";
catalogs name categories "Wing", "Headlamp", "Door Mirror", "Bonnet". This is
the one-part view of ``read_damage`` (reader.py), for callers that map one
component at a time (the LLM planner's ``map_component`` tool): the same
reading, the same confidence, given as a status.

An unknown component is not an error: the match says "unknown" with the closest
names, so an agent can warn and go on. Only an empty component raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from .._exceptions import InputError
from .._markets import Market
from .._models import Axle, Category, Position, Side
from .index import Index, index_for
from .language import lexicon, load_language, speaking
from .reader import PRICE_THRESHOLD, read_damage
from .results import ComponentCandidate, ComponentMatch, MatchedCategory, ReadPart
from .tokens import normalise_market, phrase_key, side_in, tokenize

if TYPE_CHECKING:
    from .._catalog.manager import BucketManager

#: DamagedPart.component's limit.
MAX_COMPONENT_CHARS = 200

__all__ = [
    "MAX_COMPONENT_CHARS",
    "ComponentCandidate",
    "ComponentMatch",
    "MatchedCategory",
    "map_component",
    "match_component",
]

_MAX_RESULTS = 4096


def _closest(text: str, index: Index) -> tuple[ComponentCandidate, ...]:
    query = " ".join(phrase_key(text))
    scored: dict[str, ComponentCandidate] = {}
    for t in index.targets:
        if t.category is None:
            continue
        c = t.category
        best = max(
            0.5 * fuzz.token_set_ratio(query, " ".join(phrase_key(n)))
            + 0.5 * fuzz.token_sort_ratio(query, " ".join(phrase_key(n)))
            for n in (c.name, *c.synonyms)
        )
        scored[c.id] = ComponentCandidate(id=c.id, name=c.name, score=round(best, 1))
    return tuple(sorted(scored.values(), key=lambda k: (-k.score, k.id))[:5])


def _position_words(text: str, market: Market) -> Position:
    axles: set[Axle] = set()
    sides: set[Side] = set()
    for t in tokenize(text):
        pos = lexicon().positions.get(t.word)
        if pos is not None:
            if pos.axle:
                axles.add(pos.axle)
            if pos.side:
                sides.add(side_in(market, pos.side))
    return Position(
        axle=next(iter(axles)) if len(axles) == 1 else None,
        side=next(iter(sides)) if len(sides) == 1 else None,
    )


def _matched(text: str, part: ReadPart, others: int) -> ComponentMatch:
    notes = [*(w.message for w in part.warnings), *part.notes]
    if others:
        notes.append(f"{text!r} names {others + 1} parts; this is the first")
    if part.confidence < PRICE_THRESHOLD and not part.ambiguous:
        notes.insert(
            0,
            f"{text!r} is only a weak match for {part.category.name} "
            f"(confidence {part.confidence:.2f})",
        )
    return ComponentMatch(
        component=text,
        status="ambiguous" if part.ambiguous or part.confidence < PRICE_THRESHOLD else "matched",
        category=MatchedCategory(id=part.category.id, name=part.category.name),
        position=part.position,
        score=round(part.confidence * 100, 1),
        candidates=tuple(
            ComponentCandidate(id=g.category_id, name=g.category_name, score=g.confidence * 100)
            for g in part.guesses
        ),
        notes=tuple(notes),
    )


def _match(
    text: str, categories: Sequence[Category], index: Index, market: Market
) -> ComponentMatch:
    reading = read_damage(text, categories, market=market)
    if reading.parts:
        first = reading.parts[0]
        return _matched(text, first, len({p.category.id for p in reading.parts}) - 1)
    closest = _closest(text, index)
    notes = [u.note for u in reading.unread if u.reason != "no_part"]
    if not notes:
        shown = ", ".join(f"{c.name} ({c.score:.0f})" for c in closest[:3]) or "none"
        notes.append(f"no catalog part matches {text!r}; closest: {shown}")
    return ComponentMatch(
        component=text,
        status="unknown",
        position=_position_words(text, market),
        candidates=closest,
        notes=tuple(notes),
    )


def match_component(
    text: str, categories: Sequence[Category], *, market: str | Market = "GB"
) -> ComponentMatch:
    """Map the user's ``text`` onto one of ``categories`` with the position it names.

    Never raises for an unrecognised part (status "unknown"); raises InputError
    for an empty text or a malformed market.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("the component is empty; name the damaged part, e.g. 'front bumper'")
    if len(text) > MAX_COMPONENT_CHARS:
        raise InputError("the component is longer than 200 characters; name one part at a time")
    mkt = normalise_market(market)
    with speaking(load_language(mkt.reads_in)):
        return _cached_match(text, categories, mkt)


def _cached_match(text: str, categories: Sequence[Category], mkt: Market) -> ComponentMatch:
    index = index_for(categories)
    key = (text, mkt)
    cached = index.results.get(key)
    if cached is not None:
        return cached
    result = _match(text.strip(), categories, index, mkt)
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
    market: str | Market = "GB",
) -> ComponentMatch:
    """Map ``component`` onto the categories of one variant, loaded through the catalog."""
    if not isinstance(component, str) or not component.strip():
        raise InputError("the component is empty; name the damaged part, e.g. 'front bumper'")
    categories = await catalog.load_categories_for_variant(manufacturer_id, variant_id)
    return match_component(component, categories, market=market)
