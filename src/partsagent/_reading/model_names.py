"""A catalog model's names, and the words that tell a different model from a qualified one.

A model is named by its catalog name, its ``aliases`` (other markets, usual codes)
and the codes of its own variant names ("320d" in "320d 190hp Touring"). A word the
user adds to a name either qualifies it ("Golf Estate", "Astra K") or names another
model ("Golf Sportsvan", "Corolla Cross", "Model S" against "Model 3"): only the
qualifiers of ``vehicle_words.json``, the model's variant words and the make's names
qualify. Anything else distinguishes, so the caller refuses rather than prices a
model the catalog does not hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from pydantic import field_validator
from rapidfuzz import fuzz

from .._datafile import DataFile, load_data
from .._models import Manufacturer, Model

__all__ = [
    "VEHICLE_WORDS",
    "VehicleWords",
    "codes",
    "contains",
    "distinguishing",
    "names",
    "norm_tokens",
]

_FILE = "vehicle_words.json"
_CLOSE_TOKEN = 85.0
"""A user's token this close to a name's token is a spelling of it ("Corola")."""


class VehicleWords(DataFile):
    """The validated content of vehicle_words.json (see its description field)."""

    format: str
    description: str
    qualifiers: tuple[str, ...]
    generation_patterns: tuple[str, ...]
    code_pattern: str
    power_units: tuple[str, ...]

    @field_validator("generation_patterns", "code_pattern")
    @classmethod
    def _compiles(cls, value: str | tuple[str, ...]) -> str | tuple[str, ...]:
        for pattern in (value,) if isinstance(value, str) else value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from None
        return value


VEHICLE_WORDS = load_data(VehicleWords, _FILE)
_QUALIFIERS = frozenset(
    t for w in VEHICLE_WORDS.qualifiers for t in w.upper().replace("-", " ").split()
)
_GENERATION = tuple(re.compile(p) for p in VEHICLE_WORDS.generation_patterns)
_CODE = re.compile(VEHICLE_WORDS.code_pattern)
_POWER = re.compile(rf"^\d+(?:{'|'.join(VEHICLE_WORDS.power_units)})$")


def norm_tokens(text: str) -> list[str]:
    """Upper-case alphanumeric tokens: "3-Series" -> ["3", "SERIES"]."""
    return re.sub(r"[^A-Z0-9]+", " ", text.upper()).split()


@cache
def _variant_words(model: Model) -> frozenset[str]:
    return frozenset(t for v in model.variants for t in norm_tokens(v.name))


def codes(model: Model) -> tuple[str, ...]:
    """The code words of the model's variant names ("320D", "M340I"), not its powers."""
    return tuple(
        dict.fromkeys(
            t
            for v in model.variants
            for t in norm_tokens(v.name)
            if _CODE.match(t) and not _POWER.match(t)
        )
    )


def names(model: Model) -> tuple[str, ...]:
    """Every name of ``model``: the catalog's first, then its aliases and variant codes."""
    return (model.name, *model.aliases, *codes(model))


def _qualifies(token: str, model: Model, make: Manufacturer, *, generation: bool) -> bool:
    if token in _QUALIFIERS or token in _variant_words(model):
        return True
    if any(token in norm_tokens(n) for n in (make.name, *make.aliases)):
        return True
    if re.fullmatch(r"(19|20)\d\d", token):
        return True
    return generation and any(p.match(token) for p in _GENERATION)


def _spells(token: str, name_tokens: Iterable[str]) -> bool:
    """``token`` is one of the name's tokens, or a typo of one (never for numbers or letters)."""
    for n in name_tokens:
        if token == n:
            return True
        if (
            not any(c.isdigit() for c in token + n)
            and min(len(token), len(n)) > 2
            and fuzz.ratio(token, n) >= _CLOSE_TOKEN
        ):
            return True
    return False


def contains(query: str, name: str) -> bool:
    """Every word of ``name`` is in ``query``, spelled right or nearly ("Corola hybrid")."""
    query_tokens = norm_tokens(query)
    return all(_spells(n, query_tokens) for n in norm_tokens(name))


def distinguishing(query: str, name: str, model: Model, make: Manufacturer) -> list[str]:
    """The words of ``query`` that name something ``name`` (a name of ``model``) does not.

    When every token of ``name`` is in the query (``Golf Mk7``), generation marks
    qualify too; a spelling match ("Corola") never lets a number or a letter differ.
    """
    query_tokens = norm_tokens(query)
    name_tokens = norm_tokens(name)
    contained = contains(query, name)
    return [
        t
        for t in query_tokens
        if not _spells(t, name_tokens) and not _qualifies(t, model, make, generation=contained)
    ]
