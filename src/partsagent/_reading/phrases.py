"""The lexicon's phrases as the tagger compares them, built once per language.

Every phrase of the language being read (``lexicon.json``) is normalised by the
same tokenizer as the user's words and filed under what it says: a severity, a
count, a story, a denial... (``PhraseWords.table``). The smaller word sets the
tagger's later passes ask about (intensity, comparisons, paint, a car that only
rolled away) are built here too, so the tagger holds only the reading.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .._models import Severity
from .language import Language, per_language
from .tags import Kind
from .tokens import phrase_key
from .vocabulary import Lexicon

__all__ = ["PhraseWords", "damage_kinds", "phrase_words"]

_RANK = {
    Kind.FINISH: 0,
    Kind.NEG: 0,
    Kind.TOTAL: 1,
    Kind.PRIOR: 1,
    Kind.ACTION: 2,
    Kind.WORK: 2,
    Kind.SEV: 2,
    Kind.COUNT: 3,
    Kind.NARR: 4,
    Kind.BODY: 5,
    Kind.ECHO: 6,
    Kind.COORD: 7,
    Kind.CLAUSE: 8,
    Kind.FILLER: 9,
    Kind.STOP: 10,
    Kind.REF: 11,
    Kind.NOT: 12,
}


def _phrases(
    words: Lexicon,
) -> tuple[dict[tuple[str, ...], tuple[Kind, object]], dict[tuple[str, ...], Kind]]:
    table: dict[tuple[str, ...], tuple[Kind, object]] = {}
    anchored: dict[tuple[str, ...], Kind] = {}

    def add(phrases: Iterable[str], kind: Kind, payload: object = None) -> None:
        for w in phrases:
            if w.startswith("^"):
                anchored[phrase_key(w[1:])] = kind
                continue
            key = phrase_key(w)
            old = table.get(key)
            if key and (old is None or _RANK[kind] < _RANK[old[0]]):
                table[key] = (kind, payload)

    add(words.paint_intact, Kind.FINISH)
    add(words.negations, Kind.NEG)
    add(words.total_loss, Kind.TOTAL)
    for level, said in words.severity.items():
        add(said, Kind.SEV, level)
    for word, n in words.counts.items():
        add([word], Kind.COUNT, n)
    add(words.pre_existing, Kind.PRIOR)
    for action, said in words.actions.items():
        add(said, Kind.ACTION, action)
    for said in words.asked_work.values():
        add(said, Kind.WORK)
    for phrase, axle in words.story_axles.items():
        add([phrase], Kind.NARR, axle)  # "from behind": the story says where it was hit
    add(words.narrative, Kind.NARR)
    for said in words.not_parts.values():
        add(said, Kind.NARR)  # "airbag light on", "hit by a tractor": no part to price
    add(words.body_words, Kind.BODY)
    add(words.echo_words, Kind.ECHO)
    add(words.coordinators, Kind.COORD)
    add(words.clause_words, Kind.CLAUSE)
    add(words.filler, Kind.FILLER)
    add(words.stop_words, Kind.STOP)
    for phrase, refers in words.anaphors.items():
        add([phrase], Kind.REF, refers)
    add(words.negators, Kind.NOT)
    return table, anchored


@dataclass(frozen=True, slots=True)
class PhraseWords:
    """The phrase tables of one language."""

    table: Mapping[tuple[str, ...], tuple[Kind, object]]
    anchored: Mapping[tuple[str, ...], Kind]
    """Phrases that count only at the start of a report ("^" in the lexicon)."""
    longest: int
    counts: Mapping[str, int]
    positions: frozenset[str]
    intensity: Mapping[tuple[str, ...], Severity]
    softenable: frozenset[tuple[str, ...]]
    damage_nouns: frozenset[tuple[str, ...]]
    body_after: frozenset[str]
    adverbs: frozenset[str]
    gap: frozenset[tuple[str, ...]]
    negatable: frozenset[str]
    free_of: frozenset[tuple[str, ...]]
    rolling: frozenset[str]
    moving: frozenset[str]
    rollover_places: frozenset[str]
    runaway: frozenset[tuple[str, ...]]
    links: frozenset[str]
    alternatives: frozenset[tuple[str, ...]]
    """Coordinators of a choice ("left or right"): positions joined by them are not both."""
    kinds: tuple[tuple[str, tuple[str, ...]], ...]
    comparisons: frozenset[tuple[str, ...]]
    longest_comparison: int
    not_measure: frozenset[str]
    suffixes: frozenset[tuple[str, ...]]
    paint: frozenset[str]
    locatives: frozenset[str]
    landmarks: frozenset[tuple[str, ...]]
    negation_links: frozenset[str]
    working: frozenset[tuple[str, ...]]
    paperwork: frozenset[str]
    column_headings: frozenset[str]
    warning_lights: frozenset[tuple[str, ...]]
    directions: frozenset[str]
    countable: frozenset[str]
    """The last word of the parts several to an axle ("sensor" of "parking sensors")."""
    located: frozenset[str]
    """The last word of one-piece parts that keep the side said as where ("O/S grille")."""
    impact: frozenset[tuple[str, ...]]
    passive: frozenset[str]
    struck_between: frozenset[str]


def _each_word(phrases: Iterable[str]) -> frozenset[str]:
    return frozenset(w for p in phrases for w in phrase_key(p))


def _keys(phrases: Iterable[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(phrase_key(p) for p in phrases)


@per_language
def phrase_words(language: Language) -> PhraseWords:
    """The phrase tables of the language being read, built at its first reading."""
    words = language.lexicon
    table, anchored = _phrases(words)
    rolled = words.moved_not_rolled
    links = _each_word(words.postmodifier_links)
    comparisons = _keys(words.comparisons)
    return PhraseWords(
        table=table,
        anchored=anchored,
        longest=max((len(k) for k in (*table, *anchored)), default=1),
        counts=words.counts,
        positions=frozenset(words.positions),
        intensity={phrase_key(w): level for w, level in words.intensity.items()},
        softenable=_keys(words.softenable),
        damage_nouns=_keys(words.damage_nouns),
        body_after=_each_word(words.body_after_vehicle),
        adverbs=_each_word(words.inner_adverbs),
        gap=_keys(words.negation_gap),
        negatable=_each_word(words.negatable),
        free_of=_keys(words.free_of),
        rolling=_each_word(rolled.verbs),
        moving=_each_word(rolled.moving),
        rollover_places=_each_word(rolled.rollover_places),
        runaway=_keys(rolled.runaway),
        links=links,
        alternatives=_keys(words.alternatives),
        kinds=tuple(
            (kind, phrase_key(w)) for kind, said in words.damage_kinds.items() for w in said
        ),
        comparisons=comparisons,
        longest_comparison=max((len(k) for k in comparisons), default=0),
        not_measure=frozenset(words.locatives) | links,
        suffixes=_keys(words.comparison_suffixes),
        paint=frozenset(words.paint_words),
        locatives=frozenset(words.locatives),
        landmarks=_keys(words.landmarks),
        negation_links=frozenset(words.negation_links),
        working=_keys(words.working),
        paperwork=_each_word(words.paperwork),
        column_headings=_each_word(words.column_headings),
        warning_lights=_keys(
            w for kind in ("warning lights", "symptoms") for w in words.not_parts.get(kind, ())
        ),
        directions=frozenset(words.direction_words),
        countable=frozenset(phrase_key(w)[-1] for w in words.countable_parts),
        located=frozenset(phrase_key(w)[-1] for w in words.located_parts),
        impact=_keys(words.struck.impact),
        passive=_each_word(words.struck.passive),
        struck_between=_each_word(words.struck.between),
    )


def damage_kinds(phrases: Iterable[tuple[str, ...]]) -> frozenset[str]:
    """The kinds of damage (lexicon ``damage_kinds``) the damage phrases say ("badly torn")."""
    found: set[str] = set()
    for words in phrases:
        for kind, key in phrase_words().kinds:
            n = len(key)
            if any(words[i : i + n] == key for i in range(len(words) - n + 1)):
                found.add(kind)
    return frozenset(found)
