"""The market's word for a category: Bonnet in GB is Hood in the US, the catalog keeps one name.

A category of the project's vocabulary (taxonomy.py) has a GB and a US name; any
other catalog name has the market's words swapped in (lexicon.json
``market_words``: "Wing Liner" -> "Fender Liner"). A tailgate on a saloon is a
boot lid (GB) or a trunk lid (US): ``saloon_names``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from . import taxonomy
from .vocabulary import LEXICON

__all__ = ["market_name", "saloon"]

_SPEC = {n.casefold(): spec for spec in taxonomy.CATEGORIES for n in (spec.name, spec.us_name)}
_WORDS = {
    market: sorted(
        ((re.compile(rf"\b{re.escape(k)}\b", re.IGNORECASE), v) for k, v in words.items()),
        key=lambda kv: -len(kv[0].pattern),
    )
    for market, words in LEXICON.market_words.items()
}


def saloon(bodies: Iterable[str]) -> bool:
    """Whether every variant is a saloon (sedan): its tailgate is a boot lid."""
    found = [b.casefold() for b in bodies]
    return bool(found) and all(("saloon" in b or "sedan" in b) for b in found)


def market_name(name: str, market: str, *, is_saloon: bool = False) -> str:
    """``name`` in the words of ``market`` (GB words for every market but the US)."""
    words: Literal["GB", "US"] = "US" if market == "US" else "GB"
    spec = _SPEC.get(name.casefold())
    if is_saloon:
        key = (spec.name if spec else name).casefold()
        special = LEXICON.saloon_names.get(key)
        if special is not None:
            return special[words]
    if spec is not None:
        return spec.us_name if words == "US" else spec.name
    out = name
    for pattern, replacement in _WORDS[words]:
        out = pattern.sub(replacement, out)
    return out
