"""The words of one category list: every name and synonym as a term the reader can find.

A catalog names categories "Front Bumper Cover", "Headlamp", "Door Mirror";
each name (and synonym) becomes an entry: its core words ("bumper"), the axle
word it carries ("front") and the category. Generic words ("cover", "panel",
"assembly") are dropped from cores so "bumper cover" and "bumper" meet. Parts
a report may name but the catalog lacks (wheels, sills, the roof: the
lexicon's ``absent_parts``) are entries too, so that "N/S/F alloy" is read as a
wheel the catalog does not have instead of the closest thing it does.

An index is built once per distinct category list and kept (LRU of 128).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .._markets import Market
from .._models import Axle, Category, Side
from . import taxonomy
from .tokens import Correct, phrase_key, singular
from .vocabulary import LEXICON, AbsentPart

if TYPE_CHECKING:
    from .results import ComponentMatch

__all__ = ["GENERIC", "WEAK", "Entry", "Index", "Target", "index_for", "lexicon_words"]

GENERIC = frozenset(w for g in LEXICON.generic_words for w in phrase_key(g))
WEAK = frozenset(w for g in LEXICON.weak_words for w in phrase_key(g))
_NOT_PART = frozenset(w for g in LEXICON.not_part_words for w in phrase_key(g))


@dataclass(frozen=True, slots=True)
class Target:
    """What an entry names: a catalog category, or a part the catalog does not have."""

    name: str
    axle: Axle | None
    sided: bool
    category: Category | None = None
    absent: AbsentPart | None = None
    side: Side | None = None
    """The one side every name of the category says ("Headlamp Left"), if any."""
    known: bool = False
    """The axle and sides come from the vocabulary (taxonomy.py), not from the names alone."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One name of a target: its core words and the axle word the name carries."""

    target: int
    core: tuple[str, ...]
    axle: Axle | None
    needs_axle: bool = False
    """A core of one weak word ("glass" of "Front Glass") counts only with its axle word."""


@dataclass(slots=True)
class Index:
    """The terms of one category list and the matches already made against it."""

    targets: tuple[Target, ...]
    terms: dict[tuple[str, ...], tuple[Entry, ...]]
    heads: dict[str, tuple[Entry, ...]]
    modifiers: dict[str, tuple[Entry, ...]]
    max_len: int
    correct: Correct
    results: OrderedDict[tuple[str, Market], ComponentMatch] = field(default_factory=OrderedDict)

    def family(self, core: tuple[str, ...]) -> dict[Axle, int]:
        """The catalog targets of ``core`` per axle ("door": front door and rear door)."""
        out: dict[Axle, int] = {}
        for e in self.terms.get(core, ()):
            t = self.targets[e.target]
            axle = e.axle or t.axle
            if t.category is not None and axle is not None:
                out.setdefault(axle, e.target)
        return out


def _entry_words(name: str) -> tuple[tuple[str, ...], Axle | None, Side | None]:
    """The core words of a name, its one axle word and its one side word, if any.

    A catalog may name sides in its categories ("Headlamp Left"); only "left" and
    "right" count there (nearside and offside depend on the market).
    """
    core: list[str] = []
    axles: set[Axle] = set()
    sides: set[Side] = set()
    for w in phrase_key(name):
        pos = LEXICON.positions.get(w)
        if pos is not None:
            if pos.axle is not None:
                axles.add(pos.axle)
            if pos.side in ("left", "right"):
                sides.add(pos.side)
            continue
        if w in GENERIC or w in ("and",):
            continue
        core.append(w)
    return (
        tuple(core),
        next(iter(axles)) if len(axles) == 1 else None,
        next(iter(sides)) if len(sides) == 1 else None,
    )


def _consumable(c: Category) -> bool:
    spec = taxonomy.spec_of(c.name)
    return spec.consumable if spec is not None else c.group.casefold() == "consumables"


def _usable(core: tuple[str, ...]) -> bool:
    return bool(core) and not all(w in _NOT_PART for w in core)


def _category_target(
    c: Category, entries: Sequence[tuple[tuple[str, ...], Axle | None, Side | None]]
) -> Target:
    spec = taxonomy.spec_of(c.name)
    if spec is not None:
        return Target(c.name, spec.axle, spec.sided, category=c, known=True)
    named = {axle for _, axle, _ in entries if axle is not None}
    sides = {side for _, _, side in entries}
    side = next(iter(sides)) if len(sides) == 1 else None
    axle = next(iter(named)) if len(named) == 1 else None
    return Target(c.name, axle, side is not None, category=c, side=side)


def _build(categories: tuple[Category, ...], extra_words: frozenset[str]) -> Index:
    targets: list[Target] = []
    entries: list[Entry] = []
    for c in categories:
        named = [_entry_words(n) for n in (c.name, *c.synonyms)]
        targets.append(_category_target(c, named))
        if _consumable(c):
            continue  # "paint chipped" is damage to a panel's finish, not paint to order
        for core, axle, _ in dict.fromkeys(named):
            if _usable(core):
                weak = len(core) == 1 and core[0] in WEAK
                if weak and axle is None:
                    continue
                entries.append(Entry(len(targets) - 1, core, axle, needs_axle=weak))
    # Where the catalog has the part (at that axle), its category wins over our absent one.
    real = {(e.core, e.axle or targets[e.target].axle) for e in entries}
    for part in LEXICON.absent_parts:
        targets.append(Target(part.name, part.axle, part.sided, absent=part, known=True))
        for word in part.words:
            core, axle, _ = _entry_words(word)
            where = axle or part.axle
            if core and (core, where) not in real and (core, None) not in real:
                weak = len(core) == 1 and core[0] in WEAK
                entries.append(Entry(len(targets) - 1, core, axle or part.axle, needs_axle=weak))
    terms: dict[tuple[str, ...], list[Entry]] = {}
    heads: dict[str, list[Entry]] = {}
    modifiers: dict[str, list[Entry]] = {}
    for e in entries:
        terms.setdefault(e.core, []).append(e)
        if len(e.core) > 1 and e.core[-1] not in WEAK:
            heads.setdefault(e.core[-1], []).append(e)
            for w in e.core[:-1]:
                # Only a catalog part's modifier is a (weak) reading: "fog" of "fog lamp".
                if w not in _NOT_PART and targets[e.target].category is not None:
                    modifiers.setdefault(w, []).append(e)
    parts = (
        {w for core in terms for w in core}
        | {w for c in categories for n in (c.name, *c.synonyms) for w in _raw(n)}
        | _PART_SPELLINGS
    )
    return Index(
        targets=tuple(targets),
        terms={k: tuple(v) for k, v in terms.items()},
        heads={k: tuple(v) for k, v in heads.items()},
        modifiers={k: tuple(v) for k, v in modifiers.items()},
        max_len=max((len(k) for k in terms), default=1),
        correct=Correct(lexicon_words() | extra_words, parts, _SEVERITY_WORDS),
    )


def _raw(text: str) -> set[str]:
    """The user's spelling of a name's words, before UK/US folds ("headlight", "fender")."""
    return {singular(w)[0] for w in re.findall(r"[a-z0-9]+", text.lower())}


_WORDS: frozenset[str] | None = None


def lexicon_words() -> frozenset[str]:
    """Every word the lexicon knows, in the raw spelling typos are corrected towards."""
    global _WORDS
    if _WORDS is None:
        raw: set[str] = set()
        tables: list[Iterable[str]] = [
            LEXICON.stop_words, LEXICON.filler, LEXICON.echo_words, LEXICON.generic_words,
            LEXICON.weak_words, LEXICON.not_part_words, LEXICON.positions, LEXICON.abbreviations,
            LEXICON.abbreviations.values(), LEXICON.folds, LEXICON.folds.values(),
            LEXICON.counts, LEXICON.clause_words, LEXICON.coordinators, LEXICON.locatives,
            LEXICON.landmarks, LEXICON.comparisons,
            LEXICON.narrative, LEXICON.total_loss, LEXICON.negations, LEXICON.body_words,
            LEXICON.body_after_vehicle, LEXICON.direction_words, LEXICON.intensity,
            LEXICON.known_words, LEXICON.negators, LEXICON.negation_gap, LEXICON.negatable,
            LEXICON.negation_links, LEXICON.postmodifier_links,
            LEXICON.anaphors, LEXICON.inner_adverbs, LEXICON.moved_not_rolled.verbs,
            LEXICON.moved_not_rolled.moving, LEXICON.moved_not_rolled.rollover_places,
            LEXICON.moved_not_rolled.runaway,
            *LEXICON.severity.values(), *(p.words for p in LEXICON.absent_parts),
        ]  # fmt: skip
        for table in tables:
            for phrase in table:
                for w in phrase.lower().replace("^", "").replace("'", "").split():
                    raw.add(singular(w)[0])
        _WORDS = frozenset(raw)
    return _WORDS


_PART_SPELLINGS = frozenset(
    w
    for table in (
        LEXICON.abbreviations, LEXICON.folds, LEXICON.folds.values(), LEXICON.positions,
        *(p.words for p in LEXICON.absent_parts),
    )
    for phrase in table
    for w in _raw(phrase)
    if w not in ("and",)
)  # fmt: skip
_SEVERITY_WORDS = frozenset(
    w for words in LEXICON.severity.values() for phrase in words for w in _raw(phrase)
)

_INDEXES: OrderedDict[tuple[object, ...], Index] = OrderedDict()
_MAX_INDEXES = 128


def index_for(categories: Sequence[Category], extra_words: Iterable[str] = ()) -> Index:
    """The index of ``categories`` (``extra_words``: the vehicle's own words, never typos)."""
    cats = tuple(categories)
    extra = frozenset(extra_words)
    key = (tuple((c.id, c.name, c.synonyms) for c in cats), extra)
    index = _INDEXES.get(key)
    if index is None:
        index = _build(cats, extra)
        _INDEXES[key] = index
        if len(_INDEXES) > _MAX_INDEXES:
            _INDEXES.popitem(last=False)
    else:
        _INDEXES.move_to_end(key)
    return index
