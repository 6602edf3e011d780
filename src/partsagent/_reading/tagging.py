"""Tokens -> tags: each run of words read as a part, a position, a count, a severity...

At each place the longest reading wins: a catalog term ("bumper beam") or a
lexicon phrase ("pushed in", "car park", "written off", "both sides"). A tie
goes to the part ("light" is a lamp unless a severity word follows it: "light
scratches"). Words that are the head of a longer term ("sensor" of "parking
sensor") or only its modifier ("fog") are kept as weaker readings for the
reader to score.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

from .._models import Axle, Severity
from .index import GENERIC, Entry, Index
from .tokens import BREAK, COMMA, Token, phrase_key
from .vocabulary import LEXICON, SideWord

__all__ = ["Kind", "Match", "Tag", "damage_kinds", "tag", "worst"]

Match = Literal["term", "head", "modifier"]


class Kind(StrEnum):
    PART = "part"
    POS = "position"
    COUNT = "count"
    NUM = "number"
    SEV = "severity"
    NARR = "narrative"
    TOTAL = "total_loss"
    NEG = "negation"
    NOT = "negator"
    PRIOR = "pre_existing"
    """The damage is older than the claim ("old scratch", "was already there")."""
    ACTION = "action"
    """Work asked on a part, not damage ("R&I", "check", "transfer"): ``Tag.action``."""
    FINISH = "paint_intact"
    """The finish is sound ("paint intact", "no paint damage", "PDR"): a dent, no refinish."""
    REF = "reference"
    BODY = "body"
    VEH = "vehicle"
    ECHO = "echo"
    COORD = "and"
    CLAUSE = "clause"
    COMMA = "comma"
    BREAK = "break"
    STOP = "stop"
    FILLER = "filler"
    WORD = "word"


@dataclass(frozen=True, slots=True)
class Tag:
    """A run of tokens ``[first, last)`` read one way, with its span in the user's text."""

    kind: Kind
    first: int
    last: int
    start: int
    end: int
    words: tuple[str, ...]
    severity: Severity | None = None
    count: int | None = None
    explicit_count: bool = False
    axles: frozenset[Axle] = frozenset()
    sides: frozenset[SideWord] = frozenset()
    strict: bool = False
    entries: tuple[Entry, ...] = ()
    match: Match | None = None
    plural: bool = False
    corrected: bool = False
    anaphor: Literal["side", "corner"] | None = None
    """What a reference ("that side", "that corner") takes from the position named last."""
    said: str = ""
    """For a resolved reference, the user's words of the position it refers to."""
    forward: bool = False
    """A denial of the part after it ("not the fog lamp", "no bumper damage")."""
    action: Literal["refit", "check"] | None = None
    """For an ACTION tag, the work it asks: remove and refit, or check."""
    kind_denial: bool = False
    """A denial of one kind of damage ("no dents", "not cracked", "paint intact"), not of
    the part: a part with other damage said of it stays damaged."""


_RANK = {
    Kind.FINISH: 0,
    Kind.NEG: 0,
    Kind.TOTAL: 1,
    Kind.PRIOR: 1,
    Kind.ACTION: 2,
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


def _phrases() -> tuple[dict[tuple[str, ...], tuple[Kind, object]], dict[tuple[str, ...], Kind]]:
    table: dict[tuple[str, ...], tuple[Kind, object]] = {}
    anchored: dict[tuple[str, ...], Kind] = {}

    def add(words: Iterable[str], kind: Kind, payload: object = None) -> None:
        for w in words:
            if w.startswith("^"):
                anchored[phrase_key(w[1:])] = kind
                continue
            key = phrase_key(w)
            old = table.get(key)
            if key and (old is None or _RANK[kind] < _RANK[old[0]]):
                table[key] = (kind, payload)

    add(LEXICON.paint_intact, Kind.FINISH)
    add(LEXICON.negations, Kind.NEG)
    add(LEXICON.total_loss, Kind.TOTAL)
    for level, words in LEXICON.severity.items():
        add(words, Kind.SEV, level)
    for word, n in LEXICON.counts.items():
        add([word], Kind.COUNT, n)
    add(LEXICON.pre_existing, Kind.PRIOR)
    for action, words in LEXICON.actions.items():
        add(words, Kind.ACTION, action)
    for phrase, axle in LEXICON.story_axles.items():
        add([phrase], Kind.NARR, axle)  # "from behind": the story says where it was hit
    add(LEXICON.narrative, Kind.NARR)
    for words in LEXICON.not_parts.values():
        add(words, Kind.NARR)  # "airbag light on", "hit by a tractor": no part to price
    add(LEXICON.body_words, Kind.BODY)
    add(LEXICON.echo_words, Kind.ECHO)
    add(LEXICON.coordinators, Kind.COORD)
    add(LEXICON.clause_words, Kind.CLAUSE)
    add(LEXICON.filler, Kind.FILLER)
    add(LEXICON.stop_words, Kind.STOP)
    for phrase, refers in LEXICON.anaphors.items():
        add([phrase], Kind.REF, refers)
    add(LEXICON.negators, Kind.NOT)
    return table, anchored


@functools.cache
def _tables() -> tuple[
    dict[tuple[str, ...], tuple[Kind, object]], dict[tuple[str, ...], Kind], int
]:
    """The phrase tables, built at the first reading: importing the library does not pay."""
    table, anchored = _phrases()
    return table, anchored, max(len(k) for k in (*table, *anchored))


_INTENSITY = {phrase_key(w): level for w, level in LEXICON.intensity.items()}
_SOFTENABLE = frozenset(phrase_key(w) for w in LEXICON.softenable)
_BODY_AFTER = frozenset(w for p in LEXICON.body_after_vehicle for w in phrase_key(p))
_DOOR = ("door", "dr")
_NOT_NUMBERS = frozenset({"both", "pair", "twin"})
_SEVERITY_ORDER = {Severity.MINOR: 0, Severity.MODERATE: 1, Severity.SEVERE: 2}
_ADVERBS = frozenset(w for p in LEXICON.inner_adverbs for w in phrase_key(p))
_GAP = frozenset(phrase_key(w) for w in LEXICON.negation_gap)
_NEGATABLE = frozenset(w for p in LEXICON.negatable for w in phrase_key(p))
_ROLLED = LEXICON.moved_not_rolled
_ROLLING = frozenset(w for p in _ROLLED.verbs for w in phrase_key(p))
_MOVING = frozenset(w for p in _ROLLED.moving for w in phrase_key(p))
_ROLLOVER_PLACES = frozenset(w for p in _ROLLED.rollover_places for w in phrase_key(p))
_RUNAWAY = frozenset(phrase_key(p) for p in _ROLLED.runaway)
_LINKS = frozenset(w for p in LEXICON.postmodifier_links for w in phrase_key(p))
_ARTICLES = frozenset({"the", "a", "an", "its", "my", "his", "her", "their", "your", "our"})
_CLAUSE_END = frozenset({Kind.BREAK, Kind.COMMA, Kind.CLAUSE})
_ALTERNATIVES = frozenset(phrase_key(w) for w in LEXICON.alternatives)
"""Coordinators of a choice ("left or right"): positions joined by them are not both."""


def worst(levels: Iterable[Severity | None]) -> Severity | None:
    """The most severe of ``levels`` (None when there is none)."""
    found = [lv for lv in levels if lv is not None]
    return max(found, key=_SEVERITY_ORDER.__getitem__) if found else None


_KINDS = tuple((kind, phrase_key(w)) for kind, words in LEXICON.damage_kinds.items() for w in words)


def damage_kinds(phrases: Iterable[tuple[str, ...]]) -> frozenset[str]:
    """The kinds of damage (lexicon ``damage_kinds``) the damage phrases say ("badly torn")."""
    found: set[str] = set()
    for words in phrases:
        for kind, key in _KINDS:
            n = len(key)
            if any(words[i : i + n] == key for i in range(len(words) - n + 1)):
                found.add(kind)
    return frozenset(found)


def _door_count(tokens: Sequence[Token], i: int) -> bool:
    """A number before a singular "door" describes the body ("3 door hatch", "5-door").

    "4 doors" (a plural) counts doors; "both doors" is never a body.
    """
    if i + 1 >= len(tokens) or tokens[i + 1].word not in _DOOR or tokens[i + 1].plural:
        return False
    w = tokens[i].word
    return w.isdigit() or (w in LEXICON.counts and w not in _NOT_NUMBERS)


def _lexicon_at(words: Sequence[str], i: int, at_start: bool) -> tuple[int, Kind, object]:
    """The longest lexicon phrase at ``i``; adverbs inside it do not count ("torn right off")."""
    table, anchored, longest = _tables()
    for n in range(min(longest + 2, len(words) - i), 0, -1):
        key = tuple(words[i : i + n])
        if at_start and key in anchored:
            return n, anchored[key], None
        hit = table.get(key)
        if hit is None and n >= 3:
            inner = tuple(w for w in key[1:-1] if w not in _ADVERBS)
            if len(inner) < n - 2:
                hit = table.get((key[0], *inner, key[-1]))
        if hit is not None:
            return n, hit[0], hit[1]
    return 0, Kind.WORD, None


def _term_at(
    index: Index, words: Sequence[str], i: int, axle_before: Axle | None
) -> tuple[int, tuple[Entry, ...], tuple[str, ...]]:
    """The longest term starting at ``i``: its length, entries and the positions inside it.

    Generic words inside a term are skipped ("bumper cover"), and so are position
    words after its first word ("F/BMP RH BRKT" is the right front bumper bracket).
    """
    best: tuple[int, tuple[Entry, ...], tuple[str, ...]] = (0, (), ())
    if words[i] in GENERIC:
        return best
    core: list[str] = []
    inside: list[str] = []
    j = i
    while j < len(words) and len(core) < index.max_len:
        w = words[j]
        j += 1
        if w in GENERIC:
            continue
        if core and w in LEXICON.positions:
            inside.append(w)
            continue
        core.append(w)
        entries = tuple(
            e for e in index.terms.get(tuple(core), ()) if not e.needs_axle or e.axle == axle_before
        )
        if entries:
            best = (j, entries, tuple(inside))
    if best[0]:
        end = best[0]
        while end < len(words) and words[end] in GENERIC:
            end += 1  # "headlamp assembly", "bumper cover": the generic word belongs to the part
        return end - i, best[1], best[2]
    return best


def tag(tokens: Sequence[Token], index: Index, vehicle_words: frozenset[str]) -> list[Tag]:
    """Read ``tokens`` into tags, longest reading first, then join what belongs together."""
    words = [t.word for t in tokens]
    tags: list[Tag] = []
    i = 0
    at_start = True
    while i < len(tokens):
        w = words[i]
        if w in (BREAK, COMMA):
            tags.append(_make(Kind.BREAK if w == BREAK else Kind.COMMA, tokens, i, 1))
            at_start = w == BREAK
            i += 1
            continue
        if _door_count(tokens, i):
            n = 3 if i + 2 < len(words) and words[i + 2] in _BODY_AFTER else 2
            tags.append(_make(Kind.BODY, tokens, i, n))  # "3 door hatch" describes the car
            i += n
            at_start = False
            continue
        prev_axle = None
        if tags and tags[-1].kind is Kind.POS and len(tags[-1].axles) == 1:
            prev_axle = next(iter(tags[-1].axles))
        n_term, entries, inside = _term_at(index, words, i, prev_axle)
        n_lex, kind, payload = _lexicon_at(words, i, at_start)
        if n_term and n_term >= n_lex:
            positions = [LEXICON.positions[w] for w in inside]
            tags.append(
                _make(
                    Kind.PART,
                    tokens,
                    i,
                    n_term,
                    entries=entries,
                    match="term",
                    axles=frozenset(p.axle for p in positions if p.axle),
                    sides=frozenset(p.side for p in positions if p.side),
                )
            )
            i += n_term
        elif n_lex:
            tags.append(_lexicon_tag(kind, payload, tokens, i, n_lex))
            i += n_lex
        else:
            single = _single(tokens, i, index, vehicle_words)
            n = 1
            while single.kind is Kind.PART and i + n < len(words) and words[i + n] in GENERIC:
                n += 1  # "mirror housing", "lamp unit": the generic word is the part's
            if n > 1:
                last = _make(Kind.PART, tokens, i + n - 1, 1)
                single = _span(single, last, Kind.PART, entries=single.entries, match=single.match)
            tags.append(single)
            i += n
        at_start = at_start and tags[-1].kind in (Kind.STOP, Kind.FILLER)
    joined = _compared(_postmodified(_join(tags, tokens, index), index))
    return _moved(_paint_sound(_negate(joined), tokens))


def _make(kind: Kind, tokens: Sequence[Token], i: int, n: int, **fields: object) -> Tag:
    run = tokens[i : i + n]
    return Tag(
        kind,
        i,
        i + n,
        run[0].start,
        max(t.end for t in run),
        tuple(t.word for t in run),
        plural=run[-1].plural if kind is Kind.PART else any(t.plural for t in run),
        corrected=any(t.corrected for t in run),
        **fields,  # type: ignore[arg-type]
    )


def _lexicon_tag(kind: Kind, payload: object, tokens: Sequence[Token], i: int, n: int) -> Tag:
    if kind is Kind.SEV:
        return _make(kind, tokens, i, n, severity=payload)
    if kind is Kind.COUNT:
        return _make(kind, tokens, i, n, count=payload)
    if kind is Kind.REF:
        return _make(kind, tokens, i, n, anaphor=payload)
    if kind is Kind.ACTION:
        return _make(kind, tokens, i, n, action=payload)
    if kind is Kind.NARR and payload is not None:
        return _make(kind, tokens, i, n, axles=frozenset({payload}))
    return _make(kind, tokens, i, n)


def _single(tokens: Sequence[Token], i: int, index: Index, vehicle_words: frozenset[str]) -> Tag:
    w = tokens[i].word
    pos = LEXICON.positions.get(w)
    if pos is not None:
        return _make(
            Kind.POS,
            tokens,
            i,
            1,
            axles=frozenset({pos.axle}) if pos.axle else frozenset(),
            sides=frozenset({pos.side}) if pos.side else frozenset(),
            strict=pos.strict,
        )
    if w.startswith("x") and w[1:].isdigit():
        return _make(Kind.COUNT, tokens, i, 1, count=int(w[1:]), explicit_count=True)
    if w.isdigit():
        return _make(Kind.NUM, tokens, i, 1, count=int(w))
    if w in vehicle_words:
        return _make(Kind.VEH, tokens, i, 1)
    if len(w) == 1:
        return _make(Kind.STOP, tokens, i, 1)
    heads = index.heads.get(w)
    if heads:
        return _make(Kind.PART, tokens, i, 1, entries=heads, match="head")
    mods = index.modifiers.get(w)
    if mods:
        return _make(Kind.PART, tokens, i, 1, entries=mods, match="modifier")
    return _make(Kind.WORD, tokens, i, 1)


def _join(tags: list[Tag], tokens: Sequence[Token], index: Index) -> list[Tag]:
    """Intensity + severity, position and position, modifier part + head part, body words."""
    out: list[Tag] = []
    for t in tags:
        prev = out[-1] if out else None
        if prev is None:
            out.append(t)
            continue
        if t.kind is Kind.SEV and (
            _intensity(out, t) or (prev.kind is Kind.SEV and prev.words in _INTENSITY)
        ):
            level = _moved_by(_INTENSITY[prev.words], t)
            out[-1] = _span(prev, t, Kind.SEV, severity=level)
            continue
        if t.kind is Kind.SEV and prev.kind is Kind.SEV:
            out[-1] = _span(prev, t, Kind.SEV, severity=worst([prev.severity, t.severity]))
            continue
        if (
            t.kind is Kind.POS
            and len(out) >= 2
            and prev.kind is Kind.COORD
            and prev.words not in _ALTERNATIVES
            and out[-2].kind is Kind.POS
        ):
            first = out[-2]
            out[-2:] = [
                _span(
                    first,
                    t,
                    Kind.POS,
                    axles=first.axles | t.axles,
                    sides=first.sides | t.sides,
                    strict=first.strict and t.strict,
                )
            ]
            continue
        if t.kind is Kind.PART and prev.kind is Kind.PART and prev.last == t.first:
            if t.match == "modifier" and prev.match != "modifier":
                out[-1] = _span(prev, t, Kind.PART, entries=prev.entries, match=prev.match)
            elif _another_part(index, prev, t):
                out[-1] = _span(prev, t, Kind.WORD, entries=(), match=None)
            else:  # English compounds are head-final: "bonnet slam panel" is a slam panel
                out[-1] = _span(prev, t, Kind.PART, entries=t.entries, match=t.match)
            continue
        if (
            t.kind is Kind.PART
            and t.words[-1] in _BODY_AFTER
            and prev.kind in (Kind.VEH, Kind.BODY)
        ):
            out[-1] = _span(prev, t, Kind.BODY)  # "Golf hatch" describes the car
            continue
        out.append(t)
    return out


def _another_part(index: Index, owner: Tag, head: Tag) -> bool:
    """ "tailgate latch": a head word that is a part only after another part's name ("hood
    latch", "bonnet catch"), after a different part, names a part the catalog lacks; it is
    no part to guess ("bumper sensor" stays a sensor: "parking sensor" has no part first)."""
    if head.match != "head" or not head.entries or owner.match != "term":
        return False
    named = {e.target for e in owner.entries}

    def first(e: Entry) -> set[int]:
        return {x.target for w in e.core[:-1] for x in index.terms.get((w,), ())}

    return all(first(e) and not named & first(e) for e in head.entries)


def _moved_by(intensity: Severity, damage: Tag) -> Severity | None:
    """The damage word's severity as the word before it moves it ("badly", "a touch")."""
    if intensity is not Severity.MINOR:
        return worst([intensity, damage.severity])
    if damage.severity is Severity.SEVERE:
        return Severity.MODERATE  # "slightly crushed"
    if damage.severity is Severity.MODERATE and damage.words in _SOFTENABLE:
        return Severity.MINOR  # "minor damage", "slightly damaged"
    return damage.severity  # "small dent": still a dent to repair


def _intensity(out: Sequence[Tag], sev: Tag) -> bool:
    """ "light scratches", "small dent": an adjective of the damage, not a lamp.

    Not before a participle ("light cracked" is a cracked lamp), not a plural or
    after a position ("rear lights smashed").
    """
    word = out[-1]
    if word.kind is Kind.SEV or word.words not in _INTENSITY or word.plural:
        return False
    if len(out) >= 2 and out[-2].kind in (Kind.POS, Kind.COUNT, Kind.NUM):
        return False
    return word.kind is not Kind.PART or not sev.words[-1].endswith("ed")  # "badly dented"


def _span(a: Tag, b: Tag, kind: Kind, **fields: object) -> Tag:
    merged = replace(
        b if kind is Kind.PART else a,
        kind=kind,
        first=a.first,
        last=b.last,
        start=a.start,
        end=max(a.end, b.end),
        words=a.words + b.words,
        corrected=a.corrected or b.corrected,
    )
    return replace(merged, **fields)  # type: ignore[arg-type]


def _postmodified(tags: list[Tag], index: Index) -> list[Tag]:
    """ "splash guard under the engine" is the engine splash guard, "mirror on the door" the
    door mirror: a part, one link word and a word that makes a longer term with it."""
    out: list[Tag] = []
    i = 0
    while i < len(tags):
        t = tags[i]
        out.append(t)
        i += 1
        if t.kind is not Kind.PART:
            continue
        j, links = i, 0
        while j < len(tags) and tags[j].kind in (Kind.STOP, Kind.WORD):
            w = tags[j].words[-1]
            if w in _LINKS:
                links += 1
            elif w not in _ARTICLES:
                break
            j += 1
        if links != 1 or j >= len(tags) or tags[j].kind not in (Kind.WORD, Kind.PART):
            continue
        own = tuple(w for w in t.words if w not in GENERIC and w not in LEXICON.positions)
        owner = tuple(w for w in tags[j].words if w not in GENERIC)
        entries = index.terms.get((*owner, *own))
        if entries and own and owner:
            out[-1] = _span(t, tags[j], Kind.PART, entries=entries, match="term", plural=t.plural)
            i = j + 1
    return out


_COMPARISONS = frozenset(phrase_key(w) for w in LEXICON.comparisons)
_LONGEST_COMPARISON = max(len(k) for k in _COMPARISONS)
_MEASURE = frozenset({Kind.STOP, Kind.FILLER, Kind.WORD, Kind.NUM, Kind.COUNT, Kind.VEH})
"""What a comparison's object is made of before its noun ("a large dinner", "2")."""
_NOT_MEASURE = frozenset(LEXICON.locatives) | _LINKS
"""Words that end a comparison's object: "the size of a fist *on* the door"."""


def _opens_comparison(tags: Sequence[Tag], k: int) -> int | None:
    """The first tag of a comparison ending at ``k`` ("the size of", "as big as"), if any."""
    words: list[str] = []
    for j in range(k, max(-1, k - _LONGEST_COMPARISON - 1), -1):
        words[:0] = tags[j].words
        if tuple(words) in _COMPARISONS:
            return j
    if k >= 2 and tags[k].words == ("as",) and tags[k - 2].words == ("as",):
        return k - 2  # "as big as", "as long as my arm"
    return None


_SUFFIXES = frozenset(phrase_key(w) for w in LEXICON.comparison_suffixes)
_SIZED = frozenset({Kind.PART, Kind.WORD, Kind.NARR, Kind.NUM})


def _compared(tags: list[Tag]) -> list[Tag]:
    """ "a dent the size of a dinner plate", "as big as a side mirror": the thing compared
    is a measure of the damage, never a part. The comparison becomes one filler tag, and
    so does a thing before a size word ("a quarter-sized dent", "fist size")."""
    out: list[Tag] = []
    k = 0
    while k < len(tags):
        if out and tags[k].words in _SUFFIXES and out[-1].kind in _SIZED:
            out[-1] = _span(out[-1], tags[k], Kind.FILLER, entries=(), match=None)
            k += 1
            continue
        out.append(tags[k])
        k += 1
        start = _opens_comparison(out, len(out) - 1)
        if start is None:
            continue
        end = k
        while end < len(tags) and tags[end].kind in _MEASURE:
            if tags[end].words[-1] in _NOT_MEASURE:
                break
            end += 1
        if end < len(tags) and tags[end].kind is Kind.PART:
            end += 1  # the noun compared to: "plate", "side mirror"
        if end > k:
            out[start:] = [_span(out[start], tags[end - 1], Kind.FILLER)]
            k = end
    return out


def _negate(tags: list[Tag]) -> list[Tag]:
    """A negator denies what follows it: "not cracked" and "wasn't touched" say a part is
    fine, "not the fog lamp" and "no bumper damage" deny the part after, "not a write off"
    is story, "not ok" is no denial. A negator with nothing to deny is a word."""
    out: list[Tag] = []
    for t in tags:
        k = _denier(out, len(out) - 1)
        if k is not None and t.kind in (Kind.SEV, Kind.TOTAL):
            kind = Kind.NARR if t.kind is Kind.TOTAL else Kind.NEG
            out[k:] = [_span(out[k], t, kind, severity=None, kind_denial=kind is Kind.NEG)]
        elif k is not None and t.kind is Kind.NEG:
            out[k:] = [_span(out[k], t, Kind.WORD)]  # "not ok": denies the denial
        elif k is not None and t.kind is not Kind.PART and t.words[-1] in _NEGATABLE:
            out[k:] = [_span(out[k], t, Kind.NEG)]
        elif k is not None and t.kind is Kind.PART:
            out[k] = replace(out[k], kind=Kind.NEG, forward=True)
            out.append(t)
        elif (
            t.kind is Kind.SEV
            and len(out) >= 2
            and out[-1].kind is Kind.COORD
            and out[-2].kind_denial
            and out[-2].kind is Kind.NEG
        ):
            out[-2:] = [_span(out[-2], t, Kind.NEG, severity=None)]  # "no dents or scratches"
        elif t.kind is Kind.SEV and out and out[-1].kind is Kind.PART and _denied_before(out):
            out.append(replace(t, kind=Kind.FILLER, severity=None))  # "no bumper damage"
        else:
            out.append(t)
    return [replace(t, kind=Kind.WORD) if t.kind is Kind.NOT else t for t in out]


_PAINT = frozenset(LEXICON.paint_words)


def _paint_sound(tags: list[Tag], tokens: Sequence[Token]) -> list[Tag]:
    """A denial of the paint is no denial of the part: "dented, paint intact", "no paint
    damage", "the paint isn't broken", "no damage to the paint" say the finish is sound.

    The paint words are fillers, so the denial reads past them; here a denial that
    holds one, or has one just before or after it (past stop words), becomes FINISH.
    """

    def paint(t: Tag) -> bool:
        return t.kind is Kind.FILLER and any(tok.word in _PAINT for tok in tokens[t.first : t.last])

    def beside(k: int, step: int) -> bool:
        k += step
        while 0 <= k < len(tags) and tags[k].kind is Kind.STOP:
            k += step
        return 0 <= k < len(tags) and paint(tags[k])

    out = list(tags)
    for k, t in enumerate(tags):
        if t.kind is not Kind.NEG or t.forward:
            continue
        holds = any(tok.word in _PAINT for tok in tokens[t.first : t.last])
        if holds or beside(k, -1) or beside(k, 1):
            out[k] = replace(t, kind=Kind.FINISH, kind_denial=True)
    return out


def _denier(out: Sequence[Tag], k: int) -> int | None:
    """The negator at or before ``k`` past articles, fillers and gap words ("not a", "no
    visible"), if there is one."""
    while k >= 0 and (out[k].kind in (Kind.STOP, Kind.FILLER) or out[k].words in _GAP):
        k -= 1
    return k if k >= 0 and out[k].kind is Kind.NOT else None


def _denied_before(out: Sequence[Tag]) -> bool:
    """Whether the part at the end of ``out`` follows a forward denial ("no bumper")."""
    k = len(out) - 2
    while k >= 0 and out[k].kind in (Kind.STOP, Kind.FILLER):
        k -= 1
    return k >= 0 and out[k].kind is Kind.NEG and out[k].forward


def _moved(tags: list[Tag]) -> list[Tag]:
    """ "rolled forward into a wall": the car moved; it did not roll over (module lexicon:
    ``moved_not_rolled``), unless the clause ends where cars roll over ("into a ditch")."""
    out = list(tags)
    for k, t in enumerate(out):
        if t.kind is not Kind.TOTAL or t.words[-1] not in _ROLLING:
            continue
        moving = k + 1 < len(out) and out[k + 1].words[0] in _MOVING
        if not moving and not _runaway(out, k):
            continue
        clause: list[str] = []
        for after in out[k + 1 :]:
            if after.kind in _CLAUSE_END:
                break
            clause.extend(after.words)
        if not _ROLLOVER_PLACES.intersection(clause):
            out[k] = replace(t, kind=Kind.NARR)
    return out


def _runaway(tags: Sequence[Tag], k: int) -> bool:
    """Whether the sentence of ``tags[k]`` tells of a car left to roll ("handbrake failed")."""
    first = next((j + 1 for j in range(k - 1, -1, -1) if tags[j].kind is Kind.BREAK), 0)
    last = next((j for j in range(k, len(tags)) if tags[j].kind is Kind.BREAK), len(tags))
    words = [w for t in tags[first:last] for w in t.words]
    return any(tuple(words[i : i + len(cue)]) == cue for cue in _RUNAWAY for i in range(len(words)))
