"""Tokens -> tags: each run of words read as a part, a position, a count, a severity...

At each place the longest reading wins: a catalog term ("bumper beam") or a
lexicon phrase ("pushed in", "car park", "written off", "both sides"). A tie
goes to the part ("light" is a lamp unless a severity word follows it: "light
scratches"). Words that are the head of a longer term ("sensor" of "parking
sensor") or only its modifier ("fog") are kept as weaker readings for the
reader to score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .._models import Axle, Severity
from .index import Entry, Index, part_words
from .language import lexicon
from .phrases import phrase_words
from .tags import Kind, Tag, worst
from .tokens import BREAK, COMMA, Token

__all__ = ["tag"]

_DOOR = ("door", "dr")
_NOT_NUMBERS = frozenset({"both", "pair", "twin"})
_ARTICLES = frozenset({"the", "a", "an", "its", "my", "his", "her", "their", "your", "our"})
_CLAUSE_END = frozenset({Kind.BREAK, Kind.COMMA, Kind.CLAUSE})


def _door_count(tokens: Sequence[Token], i: int) -> bool:
    """A number before a singular "door" describes the body ("3 door hatch", "5-door").

    "4 doors" (a plural) counts doors; "both doors" is never a body.
    """
    if i + 1 >= len(tokens) or tokens[i + 1].word not in _DOOR or tokens[i + 1].plural:
        return False
    w = tokens[i].word
    return w.isdigit() or (w in phrase_words().counts and w not in _NOT_NUMBERS)


def _lexicon_at(words: Sequence[str], i: int, at_start: bool) -> tuple[int, Kind, object]:
    """The longest lexicon phrase at ``i``; adverbs inside it do not count ("torn right off")."""
    pw = phrase_words()
    table, anchored, longest = pw.table, pw.anchored, pw.longest
    for n in range(min(longest + 2, len(words) - i), 0, -1):
        key = tuple(words[i : i + n])
        if at_start and key in anchored:
            return n, anchored[key], None
        hit = table.get(key)
        if hit is None and n >= 3:
            inner = tuple(w for w in key[1:-1] if w not in phrase_words().adverbs)
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
    generic = part_words().generic
    if words[i] in generic:
        return best
    positions = lexicon().positions
    core: list[str] = []
    inside: list[str] = []
    j = i
    while j < len(words) and len(core) < index.max_len:
        w = words[j]
        j += 1
        if w in generic:
            continue
        if core and w in positions:
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
        while end < len(words) and words[end] in generic:
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
            n = 3 if i + 2 < len(words) and words[i + 2] in phrase_words().body_after else 2
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
            positions = [lexicon().positions[w] for w in inside]
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
            while (
                single.kind is Kind.PART
                and i + n < len(words)
                and words[i + n] in part_words().generic
            ):
                n += 1  # "mirror housing", "lamp unit": the generic word is the part's
            if n > 1:
                last = _make(Kind.PART, tokens, i + n - 1, 1)
                single = _span(single, last, Kind.PART, entries=single.entries, match=single.match)
            tags.append(single)
            i += n
        at_start = at_start and tags[-1].kind in (Kind.STOP, Kind.FILLER)
    joined = _compared(
        _postmodified(_join(_trailing_side(_work_or_place(tags)), tokens, index), index)
    )
    return _moved(_paint_sound(_negate(joined), tokens))


def _work_or_place(tags: list[Tag]) -> list[Tag]:
    """ "R/R door" is the right rear door, "R/R RT headlamp" and "tail light R/R" a new part:
    a word that is both asked work and a position is the position only right before a part
    that has no position of its own before it."""
    out = list(tags)
    for k, t in enumerate(tags):
        if t.kind is not Kind.WORK or len(t.words) != 1:
            continue
        pos = lexicon().positions.get(t.words[0])
        before = next((b for b in reversed(tags[:k]) if b.kind is not Kind.STOP), None)
        after = next((a for a in tags[k + 1 :] if a.kind is not Kind.STOP), None)
        placed = before is not None and before.kind in (Kind.PART, Kind.POS)
        if pos is not None and after is not None and after.kind is Kind.PART and not placed:
            out[k] = replace(
                t,
                kind=Kind.POS,
                axles=frozenset({pos.axle}) if pos.axle else frozenset(),
                sides=frozenset({pos.side}) if pos.side else frozenset(),
                strict=pos.strict,
            )
    return out


_SAID_OF_PART = frozenset({Kind.SEV, Kind.WORK, Kind.ACTION, Kind.NEG, Kind.COMMA, Kind.BREAK})


def _trailing_side(tags: list[Tag]) -> list[Tag]:
    """ "fender L dented", "Headlamp R - renew": a side letter right after a part, before
    what is said of it (or the end), is that part's side (lexicon ``trailing_positions``)."""
    out = list(tags)
    for k, t in enumerate(tags):
        pos = lexicon().trailing_positions.get(t.words[0]) if len(t.words) == 1 else None
        lone = t.kind in (Kind.STOP, Kind.VEH)  # the R of a "Type R" model too
        if pos is None or not lone or k == 0 or tags[k - 1].kind is not Kind.PART:
            continue
        after = next((a for a in tags[k + 1 :] if a.words != ("-",)), None)
        if after is None or after.kind in _SAID_OF_PART:
            out[k] = replace(
                t,
                kind=Kind.POS,
                axles=frozenset({pos.axle}) if pos.axle else frozenset(),
                sides=frozenset({pos.side}) if pos.side else frozenset(),
            )
    return out


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
    pos = lexicon().positions.get(w)
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
            _intensity(out, t) or (prev.kind is Kind.SEV and prev.words in phrase_words().intensity)
        ):
            level = _moved_by(phrase_words().intensity[prev.words], t)
            out[-1] = _span(prev, t, Kind.SEV, severity=level)
            continue
        if t.kind is Kind.SEV and prev.kind is Kind.SEV:
            out[-1] = _span(prev, t, Kind.SEV, severity=worst([prev.severity, t.severity]))
            continue
        if (
            t.kind is Kind.POS
            and len(out) >= 2
            and prev.kind is Kind.COORD
            and prev.words not in phrase_words().alternatives
            and out[-2].kind is Kind.POS
            # "at the back and rear bumper": a position that adds nothing is not a pair of
            # them ("front and rear"); the "and" starts another part.
            and not (t.axles <= out[-2].axles and t.sides <= out[-2].sides)
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
            t.kind is Kind.WORD
            and prev.kind is Kind.PART
            and prev.last == t.first
            and t.words[-1] in part_words().weak
            and (entries := _shortened(index, (*prev.words, *t.words)))
        ):
            out[-1] = _span(prev, t, Kind.PART, entries=entries, match="head")
            continue
        if (
            t.kind is Kind.PART
            and t.words[-1] in phrase_words().body_after
            and prev.kind in (Kind.VEH, Kind.BODY)
        ):
            out[-1] = _span(prev, t, Kind.BODY)  # "Golf hatch" describes the car
            continue
        out.append(t)
    return out


def _shortened(index: Index, words: tuple[str, ...]) -> tuple[Entry, ...]:
    """ "sensor bracket": a part and a weak word that end one catalog term only ("parking
    sensor bracket") name that term's part, not the part and a stray word."""
    found = tuple(
        e
        for core, es in index.terms.items()
        if core[-len(words) :] == words
        for e in es
        if index.targets[e.target].category is not None  # the catalog's, not an absent one
    )
    return found if len({e.target for e in found}) == 1 else ()


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
    if damage.severity is Severity.MODERATE and damage.words in phrase_words().softenable:
        return Severity.MINOR  # "minor damage", "slightly damaged"
    return damage.severity  # "small dent": still a dent to repair


def _intensity(out: Sequence[Tag], sev: Tag) -> bool:
    """ "light scratches", "small dent": an adjective of the damage, not a lamp.

    A word that is also a part ("light") only before a damage noun
    (lexicon ``damage_nouns``: "light cracked" and "lamp broken" are a damaged lamp), never
    a plural or after a position ("rear lights smashed").
    """
    word = out[-1]
    if word.kind is Kind.SEV or word.words not in phrase_words().intensity or word.plural:
        return False
    if len(out) >= 2 and out[-2].kind in (Kind.POS, Kind.COUNT, Kind.NUM):
        return False
    # "badly dented" moves the damage; "light scratch", "light knock" describe it; "light
    # cracked" and "lamp broken" are a damaged lamp.
    return word.kind is not Kind.PART or sev.words in phrase_words().damage_nouns


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
            if w in phrase_words().links:
                links += 1
            elif w not in _ARTICLES:
                break
            j += 1
        if links != 1 or j >= len(tags) or tags[j].kind not in (Kind.WORD, Kind.PART):
            continue
        own = tuple(
            w for w in t.words if w not in part_words().generic and w not in lexicon().positions
        )
        owner = tuple(w for w in tags[j].words if w not in part_words().generic)
        entries = index.terms.get((*owner, *own))
        if entries and own and owner:
            out[-1] = _span(t, tags[j], Kind.PART, entries=entries, match="term", plural=t.plural)
            i = j + 1
    return out


_MEASURE = frozenset({Kind.STOP, Kind.FILLER, Kind.WORD, Kind.NUM, Kind.COUNT, Kind.VEH})
"""What a comparison's object is made of before its noun ("a large dinner", "2")."""
"""Words that end a comparison's object: "the size of a fist *on* the door"."""


def _opens_comparison(tags: Sequence[Tag], k: int) -> int | None:
    """The first tag of a comparison ending at ``k`` ("the size of", "as big as"), if any."""
    words: list[str] = []
    for j in range(k, max(-1, k - phrase_words().longest_comparison - 1), -1):
        words[:0] = tags[j].words
        if tuple(words) in phrase_words().comparisons:
            return j
    if k >= 2 and tags[k].words == ("as",) and tags[k - 2].words == ("as",):
        return k - 2  # "as big as", "as long as my arm"
    return None


_SIZED = frozenset({Kind.PART, Kind.WORD, Kind.NARR, Kind.NUM})


def _compared(tags: list[Tag]) -> list[Tag]:
    """ "a dent the size of a dinner plate", "as big as a side mirror": the thing compared
    is a measure of the damage, never a part. The comparison becomes one filler tag, and
    so does a thing before a size word ("a quarter-sized dent", "fist size")."""
    out: list[Tag] = []
    k = 0
    while k < len(tags):
        if out and tags[k].words in phrase_words().suffixes and out[-1].kind in _SIZED:
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
            if tags[end].words[-1] in phrase_words().not_measure:
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
        elif k is not None and t.kind is not Kind.PART and t.words[-1] in phrase_words().negatable:
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
        elif out and out[-1].kind is Kind.SEV and t.words in phrase_words().free_of:
            # "crease-free", "rust free": the damage word is denied, as "no creases" is
            out[-1:] = [_span(out[-1], t, Kind.NEG, severity=None, kind_denial=True)]
        elif t.kind is Kind.SEV and out and out[-1].kind is Kind.PART and _denied_before(out):
            out.append(replace(t, kind=Kind.FILLER, severity=None))  # "no bumper damage"
        else:
            out.append(t)
    return [replace(t, kind=Kind.WORD) if t.kind is Kind.NOT else t for t in out]


def _paint_sound(tags: list[Tag], tokens: Sequence[Token]) -> list[Tag]:
    """A denial of the paint is no denial of the part: "dented, paint intact", "no paint
    damage", "the paint isn't broken", "no damage to the paint" say the finish is sound.

    The paint words are fillers, so the denial reads past them; here a denial that
    holds one, or has one just before or after it (past stop words), becomes FINISH.
    """

    def paint(t: Tag) -> bool:
        return t.kind is Kind.FILLER and any(
            tok.word in phrase_words().paint for tok in tokens[t.first : t.last]
        )

    def beside(k: int, step: int) -> bool:
        k += step
        while 0 <= k < len(tags) and tags[k].kind is Kind.STOP:
            k += step
        return 0 <= k < len(tags) and paint(tags[k])

    out = list(tags)
    for k, t in enumerate(tags):
        if t.kind is not Kind.NEG or t.forward:
            continue
        holds = any(tok.word in phrase_words().paint for tok in tokens[t.first : t.last])
        if holds or beside(k, -1) or beside(k, 1):
            out[k] = replace(t, kind=Kind.FINISH, kind_denial=True)
    return out


def _denier(out: Sequence[Tag], k: int) -> int | None:
    """The negator at or before ``k`` past articles, fillers and gap words ("not a", "no
    visible"), if there is one."""
    while k >= 0 and (
        out[k].kind in (Kind.STOP, Kind.FILLER) or out[k].words in phrase_words().gap
    ):
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
        if t.kind is not Kind.TOTAL or t.words[-1] not in phrase_words().rolling:
            continue
        moving = k + 1 < len(out) and out[k + 1].words[0] in phrase_words().moving
        if not moving and not _runaway(out, k):
            continue
        clause: list[str] = []
        for after in out[k + 1 :]:
            if after.kind in _CLAUSE_END:
                break
            clause.extend(after.words)
        if not phrase_words().rollover_places.intersection(clause):
            out[k] = replace(t, kind=Kind.NARR)
    return out


def _runaway(tags: Sequence[Tag], k: int) -> bool:
    """Whether the sentence of ``tags[k]`` tells of a car left to roll ("handbrake failed")."""
    first = next((j + 1 for j in range(k - 1, -1, -1) if tags[j].kind is Kind.BREAK), 0)
    last = next((j for j in range(k, len(tags)) if tags[j].kind is Kind.BREAK), len(tags))
    words = [w for t in tags[first:last] for w in t.words]
    return any(
        tuple(words[i : i + len(cue)]) == cue
        for cue in phrase_words().runaway
        for i in range(len(words))
    )
