"""The words of one category list: every name and synonym as a term the reader can find.

A catalog names categories "Front Bumper Cover", "Headlamp", "Door Mirror";
each name (and synonym) becomes an entry: its core words ("bumper"), the axle
word it carries ("front") and the category. Generic words ("cover", "panel",
"assembly") are dropped from cores so "bumper cover" and "bumper" meet. Parts
a report may name but the catalog lacks (wheels, sills, the roof: the
lexicon's ``absent_parts``) are entries too, so that "N/S/F alloy" is read as a
wheel the catalog does not have instead of the closest thing it does.

An index is built once per distinct category list and vehicle and kept (LRU of 128);
its terms, once per category list, are shared by every vehicle's index of that list.
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .._markets import Market
from .._models import Axle, Category, Severity, Side
from . import taxonomy
from .language import VOCABULARY_LANGUAGE, Language, current, lexicon, per_language
from .tokens import Correct, phrase_key, singular
from .vocabulary import AbsentPart

if TYPE_CHECKING:
    from .results import ComponentMatch

__all__ = ["Entry", "Index", "Target", "index_for", "lexicon_words", "outer_piece", "part_words"]


@dataclass(frozen=True, slots=True)
class PartWords:
    """A language's words about part names, as the reader compares them."""

    generic: frozenset[str]
    """Words that name no part by themselves ("cover", "panel", "assembly")."""
    weak: frozenset[str]
    """A core of one weak word ("glass") counts only with its axle word."""
    not_part: frozenset[str]
    spellings: frozenset[str]
    """Raw spellings of part words typos are corrected towards."""
    severity: frozenset[str]
    """Raw spellings of severity words typos are corrected towards."""
    known: frozenset[str]
    """Every word the lexicon knows, in the raw spelling typos are corrected towards."""


@per_language
def part_words(language: Language) -> PartWords:
    """The part-name words of the language being read."""
    words = language.lexicon
    spellings = frozenset(
        w
        for table in (
            words.abbreviations, words.folds, words.folds.values(), words.positions,
            *(p.words for p in words.absent_parts),
        )
        for phrase in table
        for w in _raw(phrase)
        if w not in ("and",)
    )  # fmt: skip
    return PartWords(
        generic=frozenset(w for g in words.generic_words for w in phrase_key(g)),
        weak=frozenset(w for g in words.weak_words for w in phrase_key(g)),
        not_part=frozenset(w for g in words.not_part_words for w in phrase_key(g)),
        spellings=spellings,
        severity=frozenset(
            w for levels in words.severity.values() for phrase in levels for w in _raw(phrase)
        ),
        known=_known_words(language),
    )


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
    serial: int = field(default_factory=itertools.count().__next__)
    """This index among every one built: what a cache of readings against it is keyed by."""

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
    words = part_words()
    positions = lexicon().positions
    for w in phrase_key(name):
        pos = positions.get(w)
        if pos is not None:
            if pos.axle is not None:
                axles.add(pos.axle)
            if pos.side in ("left", "right"):
                sides.add(pos.side)
            continue
        if w in words.generic or w in ("and",):
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
    not_part = part_words().not_part
    return bool(core) and not all(w in not_part for w in core)


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


def _in_language(c: Category, language: Language) -> tuple[str, ...]:
    """The catalog's names of ``c`` and, read in another language, that language's words for it.

    A catalog is written in the vocabulary's language (its names are matched to the
    taxonomy in English); a report in another language reads them in its own words.
    """
    names = (c.name, *c.synonyms)
    if language.code == VOCABULARY_LANGUAGE:
        return names
    spec = taxonomy.spec_of(c.name)
    own = language.category_words.get(spec.id, ()) if spec is not None else ()
    return tuple(dict.fromkeys((*names, *own)))


@dataclass(frozen=True, slots=True)
class _Terms:
    """What an index holds of its category list alone, shared by every vehicle's index of it."""

    targets: tuple[Target, ...]
    terms: dict[tuple[str, ...], tuple[Entry, ...]]
    heads: dict[str, tuple[Entry, ...]]
    modifiers: dict[str, tuple[Entry, ...]]
    max_len: int
    parts: frozenset[str]


def _build(categories: tuple[Category, ...], extra_words: frozenset[str]) -> Index:
    """The index of a category list for a vehicle: its terms (kept per list, whole categories
    compared) and a typo fixer that leaves the vehicle's own words alone."""
    key = (categories, current())
    base = _TERMS.get(key)
    if base is None:
        base = _TERMS[key] = _terms(categories)
        if len(_TERMS) > _MAX_INDEXES:
            _TERMS.pop(next(iter(_TERMS)))
    words = part_words()
    return Index(
        targets=base.targets,
        terms=base.terms,
        heads=base.heads,
        modifiers=base.modifiers,
        max_len=base.max_len,
        correct=Correct(words.known | extra_words, base.parts, words.severity),
    )


def _terms(categories: tuple[Category, ...]) -> _Terms:
    words = part_words()
    language = current()
    targets: list[Target] = []
    entries: list[Entry] = []
    for c in categories:
        named = [_entry_words(n) for n in _in_language(c, language)]
        targets.append(_category_target(c, named))
        if _consumable(c):
            continue  # "paint chipped" is damage to a panel's finish, not paint to order
        for core, axle, _ in dict.fromkeys(named):
            if _usable(core):
                weak = len(core) == 1 and core[0] in words.weak
                if weak and axle is None:
                    continue
                entries.append(Entry(len(targets) - 1, core, axle, needs_axle=weak))
    # Where the catalog has the part (at that axle), its category wins over our absent one.
    real = {(e.core, e.axle or targets[e.target].axle) for e in entries}
    for part in language.lexicon.absent_parts:
        targets.append(Target(part.name, part.axle, part.sided, absent=part, known=True))
        for word in part.words:
            core, axle, _ = _entry_words(word)
            where = axle or part.axle
            if core and (core, where) not in real and (core, None) not in real:
                weak = len(core) == 1 and core[0] in words.weak
                entries.append(Entry(len(targets) - 1, core, axle or part.axle, needs_axle=weak))
    terms: dict[tuple[str, ...], list[Entry]] = {}
    heads: dict[str, list[Entry]] = {}
    modifiers: dict[str, list[Entry]] = {}
    for e in entries:
        terms.setdefault(e.core, []).append(e)
        if len(e.core) > 1 and e.core[-1] not in words.weak:
            heads.setdefault(e.core[-1], []).append(e)
            for w in e.core[:-1]:
                # Only a catalog part's modifier is a (weak) reading: "fog" of "fog lamp".
                if w not in words.not_part and targets[e.target].category is not None:
                    modifiers.setdefault(w, []).append(e)
    parts = (
        {w for core in terms for w in core}
        | {w for c in categories for n in _in_language(c, language) for w in _raw(n)}
        | words.spellings
    )
    return _Terms(
        targets=tuple(targets),
        terms={k: tuple(v) for k, v in terms.items()},
        heads={k: tuple(v) for k, v in heads.items()},
        modifiers={k: tuple(v) for k, v in modifiers.items()},
        max_len=max((len(k) for k in terms), default=1),
        parts=frozenset(parts),
    )


def _raw(text: str) -> set[str]:
    """The user's spelling of a name's words, before UK/US folds ("headlight", "fender")."""
    return {singular(w)[0] for w in re.findall(r"[^\W_]+", text.casefold())}


def lexicon_words() -> frozenset[str]:
    """Every word the lexicon being read knows, in the raw spelling typos are corrected towards."""
    return part_words().known


def _known_words(language: Language) -> frozenset[str]:
    w = language.lexicon
    raw: set[str] = set()
    tables: list[Iterable[str]] = [
        w.stop_words, w.filler, w.echo_words, w.generic_words,
        w.weak_words, w.not_part_words, w.positions, w.abbreviations,
        w.abbreviations.values(), w.folds, w.folds.values(),
        w.counts, w.clause_words, w.coordinators, w.locatives,
        w.landmarks, w.comparisons,
        w.narrative, w.total_loss, w.negations, w.body_words,
        w.body_after_vehicle, w.direction_words, w.intensity,
        w.known_words, w.negators, w.negation_gap,
        w.working, w.paperwork, w.column_headings, w.negatable,
        w.negation_links, w.postmodifier_links,
        w.anaphors, w.inner_adverbs, w.moved_not_rolled.verbs,
        w.moved_not_rolled.moving, w.moved_not_rolled.rollover_places,
        w.moved_not_rolled.runaway,
        *w.severity.values(), *(p.words for p in w.absent_parts),
    ]  # fmt: skip
    for table in tables:
        for phrase in table:
            for word in phrase.casefold().replace("^", "").replace("'", "").split():
                raw.add(singular(word)[0])
    return frozenset(raw)


_INDEXES: OrderedDict[tuple[object, ...], Index] = OrderedDict()
_TERMS: dict[tuple[tuple[Category, ...], Language], _Terms] = {}
_MAX_INDEXES = 128


def index_for(categories: Sequence[Category], extra_words: Iterable[str] = ()) -> Index:
    """The index of ``categories`` (``extra_words``: the vehicle's own words, never typos)."""
    cats = tuple(categories)
    extra = frozenset(extra_words)
    key = (tuple((c.id, c.name, c.synonyms) for c in cats), extra, current())
    index = _INDEXES.get(key)
    if index is None:
        index = _build(cats, extra)
        _INDEXES[key] = index
        if len(_INDEXES) > _MAX_INDEXES:
            _INDEXES.popitem(last=False)
    else:
        _INDEXES.move_to_end(key)
    return index


def outer_piece(index: Index, at: int, said: Iterable[str], severity: Severity) -> Target:
    """ "N/S mirror housing scuffed": only the assembly's outer piece, when the words name
    it (``said``: the words of its segment) and say minor damage (lexicon ``absent_parts``
    ``outer_of``); else target ``at``."""
    target = index.targets[at]
    if target.category is None or severity is not Severity.MINOR:
        return target
    words = set(said)
    name = target.category.name.casefold()
    for other in index.targets:
        piece = other.absent
        if (
            piece
            and piece.outer_of
            and piece.outer_of.casefold() == name
            and words & set(piece.outer_words)
        ):
            return other
    return target
