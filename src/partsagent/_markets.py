"""What a market is, as data (``markets.json``): one home for every place that knows "GB" or "US".

A market has a code and aliases ("UK" is GB), a currency and its minor unit, a
tax (its name, rate and the totals it is charged on: US sales tax spares
labour), the side its driver sits on (which side "driver" and "offside" name),
the language its reports are read in, and its words for parts (a word set: the
US says hood and fender, Australia guard). A markets file of your own adds
markets (or replaces those it names) without code: ``load_markets(path)``,
``PartsAgent(markets=...)``, ``partsagent report --markets FILE``.

The figures a shop charges (labour and paint rates, sublets, conversions)
are not here: they are the rates (``rates.json``), which may also override a
market's tax or currency for one shop.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, ClassVar, Literal

from pydantic import BeforeValidator, Field

from ._datafile import DataFile, load_data
from ._exceptions import InputError

__all__ = [
    "MARKETS_FILE",
    "Market",
    "Markets",
    "Tax",
    "Taxable",
    "WordSet",
    "load_markets",
]

MARKETS_FILE = "markets.json"
Taxable = Literal["parts", "consumables", "labour", "paint_materials", "sublet"]
Drive = Literal["left", "right"]


def _no_float(value: object) -> object:
    if isinstance(value, float):
        raise ValueError("figures are decimal strings such as '0.2', never floats")
    return value


class Tax(DataFile):
    """A market's tax; the rates may override it for one shop."""

    name: Annotated[str, Field(min_length=1)]
    """What the report calls it: "VAT", "GST", "sales tax"."""
    rate: Annotated[
        Decimal,
        BeforeValidator(_no_float),
        Field(ge=0, le=1, max_digits=6, decimal_places=5),
    ]
    applies_to: tuple[Taxable, ...]
    """The totals the tax is charged on (US sales tax often spares labour)."""


Code = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class _WordSetDoc(DataFile):
    base: str | None = None
    part_names: dict[str, str] = Field(default_factory=dict)
    replacements: dict[str, str] = Field(default_factory=dict)
    saloon_names: dict[str, str] = Field(default_factory=dict)


class _MarketDoc(DataFile):
    name: Annotated[str, Field(min_length=1)]
    aliases: tuple[Code, ...] = ()
    currency: Currency
    minor_unit: Annotated[int, Field(ge=0, le=4)] = 2
    tax: Tax
    drive: Drive
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
    words: str


class _MarketsDoc(DataFile):
    file_kind: ClassVar[str | None] = "markets"

    format: Literal["partsagent-markets/1"]
    description: str = ""
    markets: dict[Code, _MarketDoc] = Field(default_factory=dict)
    words: dict[str, _WordSetDoc] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WordSet:
    """A market's words for parts, keyed by casefolded names (its base's already merged in)."""

    name: str
    part_names: Mapping[str, str]
    """A category's name in the project's vocabulary -> the market's ("wing" -> "Guard")."""
    replacements: tuple[tuple[re.Pattern[str], str], ...]
    """Words swapped inside other catalog names, longest first ("wing liner" -> "Fender Liner")."""
    saloon_names: Mapping[str, str]
    """The name of a part on a saloon ("tailgate" -> "Boot Lid")."""


@dataclass(frozen=True, slots=True, eq=False)
class Market:
    """One market, as its data file describes it (equal only to itself: one load, one value)."""

    code: str
    name: str
    aliases: tuple[str, ...]
    currency: str
    minor_unit: int
    tax: Tax
    drive: Drive
    """The side the driver sits on: "driver" and "offside" name it, "passenger" the other."""
    language: str
    words: WordSet

    def __str__(self) -> str:
        return self.code

    def side_of(self, word: Literal["driver", "passenger", "offside", "nearside"]) -> Drive:
        """The left or right that ``word`` names here (the nearside is the kerb side)."""
        if word in ("driver", "offside"):
            return self.drive
        return "left" if self.drive == "right" else "right"


@dataclass(frozen=True, slots=True)
class Markets:
    """Every market known: the packaged ones and those of your own file."""

    by_code: Mapping[str, Market]
    aliases: Mapping[str, str]
    doc: _MarketsDoc
    """The validated document the markets were built from (merged with the packaged)."""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(sorted(self.by_code))

    def get(self, code: object) -> Market:
        """The market of ``code`` or an alias (any case); InputError naming the known ones."""
        if isinstance(code, Market):
            return code
        if not isinstance(code, str):
            raise InputError(
                f"market must be a code such as {self._known()}, not {type(code).__name__}"
            )
        key = code.strip().upper()
        found = self.by_code.get(self.aliases.get(key, key))
        if found is None:
            raise InputError(
                f"unknown market {code!r}; known: {self._known()} "
                "(add one with a markets file, docs/configuration.md#markets)"
            )
        return found

    def _known(self) -> str:
        extra = [f"{a} = {c}" for a, c in sorted(self.aliases.items())]
        return ", ".join(self.codes) + (f" ({', '.join(extra)})" if extra else "")


def _word_set(name: str, sets: Mapping[str, _WordSetDoc], where: str) -> WordSet:
    chain: list[_WordSetDoc] = []
    at: str | None = name
    while at is not None:
        found = sets.get(at)
        if found is None or len(chain) > len(sets):
            raise InputError(f"{where}: word set {at!r} is unknown or its bases go round")
        chain.append(found)
        at = found.base
    part_names: dict[str, str] = {}
    replacements: dict[str, str] = {}
    saloon_names: dict[str, str] = {}
    for doc in reversed(chain):
        part_names.update({k.casefold(): v for k, v in doc.part_names.items()})
        replacements.update({k.casefold(): v for k, v in doc.replacements.items()})
        saloon_names.update({k.casefold(): v for k, v in doc.saloon_names.items()})
    patterns = sorted(
        ((re.compile(rf"\b{re.escape(k)}\b", re.IGNORECASE), v) for k, v in replacements.items()),
        key=lambda kv: -len(kv[0].pattern),
    )
    return WordSet(
        name,
        MappingProxyType(part_names),
        tuple(patterns),
        MappingProxyType(saloon_names),
    )


def _build(doc: _MarketsDoc, where: str) -> Markets:
    by_code: dict[str, Market] = {}
    aliases: dict[str, str] = {}
    for code, m in doc.markets.items():
        words = _word_set(m.words, doc.words, where)
        by_code[code] = Market(
            code, m.name, m.aliases, m.currency, m.minor_unit, m.tax, m.drive, m.language, words
        )
        for alias in m.aliases:
            aliases[alias] = code
    clash = sorted(set(aliases) & set(by_code))
    if clash:
        raise InputError(f"{where}: {', '.join(clash)} is both a market and an alias")
    return Markets(MappingProxyType(by_code), MappingProxyType(aliases), doc)


@functools.cache
def _packaged() -> Markets:
    return _build(load_data(_MarketsDoc, MARKETS_FILE), MARKETS_FILE)


def load_markets(path: str | Path | Markets | None = None) -> Markets:
    """The packaged markets, or your own file at ``path`` over them (read once per call)."""
    if path is None:
        return _packaged()
    if isinstance(path, Markets):
        return path
    if not isinstance(path, (str, Path)):
        raise InputError(f"markets must be a path or a Markets value, not {type(path).__name__}")
    yours, base = load_data(_MarketsDoc, MARKETS_FILE, path), _packaged().doc
    merged = yours.model_copy(
        update={
            "markets": {**base.markets, **yours.markets},
            "words": {**base.words, **yours.words},
        }
    )
    return _build(merged, str(path))
