"""The market's word for a category: Bonnet in GB is Hood in the US and the catalog keeps one name.

A market's words are data (``markets.json``, ``partsagent._markets``): its
name for a category of the project's vocabulary (``part_names``: "Wing" is
"Fender" in the US, "Guard" in Australia), words swapped inside any other
catalog name (``replacements``: "Wing Liner" -> "Fender Liner"), and a
tailgate on a saloon (``saloon_names``: a boot lid, or a trunk lid).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .._markets import Market, load_markets
from .._models import Category
from .taxonomy import spec_of

__all__ = ["in_market_words", "market_name", "saloon"]


def saloon(bodies: Iterable[str]) -> bool:
    """Whether every variant is a saloon (sedan): its tailgate is a boot lid."""
    found = [b.casefold() for b in bodies]
    return bool(found) and all(("saloon" in b or "sedan" in b) for b in found)


def market_name(name: str, market: str | Market, *, is_saloon: bool = False) -> str:
    """``name`` in the words of ``market`` (a Market, or the code of a packaged one)."""
    words = load_markets().get(market).words
    spec = spec_of(name)
    key = (spec.name if spec else name).casefold()
    if is_saloon:
        special = words.saloon_names.get(key)
        if special is not None:
            return special
    if spec is not None:
        return words.part_names.get(key, spec.name)
    out = name
    for pattern, replacement in words.replacements:
        out = pattern.sub(replacement, out)
    return out


def in_market_words(categories: Sequence[Category], market: Market) -> Sequence[Category]:
    """``categories`` with the market's own names for them as synonyms ("Guard": a wing in AU).

    Only names the vocabulary does not already read (the US "Hood" is read in every
    market): the same list comes back, and so the same index, where there are none.
    """
    names = market.words.part_names
    if not names:
        return categories
    out: list[Category] = []
    changed = False
    for c in categories:
        spec = spec_of(c.name)
        word = names.get(spec.name.casefold()) if spec is not None else None
        known = {w.casefold() for w in (*(spec.words if spec else ()), c.name, *c.synonyms)}
        if word is None or word.casefold() in known:
            out.append(c)
            continue
        out.append(c.model_copy(update={"synonyms": (*c.synonyms, word)}))
        changed = True
    return tuple(out) if changed else categories
