"""Positions that point elsewhere: "that side", "the same corner", and headings ("LHF:").

An estimator reads "scraped the passenger side ... both doors on that side" as
the two passenger doors, and "LHF: headlight scuffed, wing scratched" as the left
front headlight and wing. Both take a side (and an axle) named somewhere else in
the report:

* a reference (lexicon.json ``anaphors``: "that side", "same side", "this side",
  "that corner") is the side named last before it, in any sentence or component;
  a corner also takes the axle named with that side ("O/S/R ... that corner");
* a heading is a sentence of positions (and perhaps damage) ending with a colon;
  the list after it takes its side, its axle and its damage where the list's
  parts have none of their own, up to the next heading, a full stop on the same
  line or a blank line.

Whether a position word names a side at all ("left a mark" does not) is decided
here too, for the reader and for these references alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from .._models import Axle, Severity
from .phrases import phrase_words
from .tags import Kind, Tag, worst
from .vocabulary import SideWord

__all__ = ["Heading", "Referent", "heading_of", "heading_ends", "resolve", "side_ok", "significant"]

_SKIP_FILLER = frozenset({Kind.FILLER})
_HEADING_WORDS = frozenset({Kind.POS, Kind.STOP, Kind.FILLER, Kind.SEV})


@dataclass(frozen=True, slots=True)
class Referent:
    """The side named last, with the axle named with it, and the user's words for it."""

    sides: frozenset[SideWord]
    axles: frozenset[Axle]
    said: str


@dataclass(frozen=True, slots=True)
class Heading:
    """What a heading gives the list after it (one side, one axle, a damage: or none)."""

    side: SideWord | None
    axle: Axle | None
    said: str
    severity: Severity | None
    positional: bool
    """The heading is only positions and damage ("LHF:"): no story to hand back."""


def significant(tags: Sequence[Tag], i: int, step: int, skip: frozenset[Kind]) -> Tag | None:
    """The first tag from ``i`` in direction ``step`` whose kind is not in ``skip``."""
    j = i + step
    while 0 <= j < len(tags):
        if tags[j].kind not in skip:
            return tags[j]
        j += step
    return None


def side_ok(tags: Sequence[Tag], i: int) -> bool:
    """Whether the position tag at ``i``, not right before a part, names a side here.

    "pulling to the left", "cracked right across", "left a mark" and "making a
    left turn" name no side; "on the O/S", "struck the right side" do.
    """
    t = tags[i]
    nxt = significant(tags, i, 1, _SKIP_FILLER)
    if not t.strict:
        return nxt is None or nxt.kind is not Kind.WORD
    if i + 1 < len(tags) and tags[i + 1].words[0] == "side":
        return True  # "scraped the passenger side in a car park"
    if nxt is not None and nxt.kind is Kind.STOP and nxt.words[-1] not in ("a", "an"):
        # "on the right hand side at the back": past "at the" ("left a mark" is a verb)
        nxt = significant(tags, i, 1, frozenset({Kind.FILLER, Kind.STOP}))
    j = i - 1
    while j >= 0 and tags[j].kind in (Kind.STOP, Kind.FILLER):
        if tags[j].words[-1] in phrase_words().directions:
            # "pulling to the left" is a direction; "damage to the left side" is a side.
            following = tags[i + 1] if i + 1 < len(tags) else None
            return following is not None and following.words[0] == "side"
        j -= 1
    return nxt is None or nxt.kind in (Kind.PART, Kind.POS, Kind.SEV, Kind.COUNT, Kind.NEG)


def _names_side(tags: Sequence[Tag], i: int) -> bool:
    t = tags[i]
    if len(t.sides) != 1:
        return False  # "both sides" is no one side to refer to
    if t.kind is Kind.PART:
        return True  # a side inside the part's words ("F/BMP RH BRKT")
    if t.kind is not Kind.POS:
        return False
    nxt = significant(tags, i, 1, _SKIP_FILLER)
    return (nxt is not None and nxt.kind is Kind.PART) or side_ok(tags, i)


def _axles_around(tags: Sequence[Tag], i: int) -> frozenset[Axle]:
    """The axle said with the side: in its own word (N/S/F) or next to it ("O/S front")."""
    axles = set(tags[i].axles)
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(tags) and tags[j].kind in (Kind.POS, Kind.FILLER):
            axles |= tags[j].axles
            j += step
    return frozenset(axles) if len(axles) == 1 else frozenset()


def resolve(tags: list[Tag], text: str, last: Referent | None) -> Referent | None:
    """Replace the references in ``tags`` by the side named last; return the side named last.

    A reference with nothing named before it says nothing (it becomes filler).
    """
    for i, t in enumerate(tags):
        if t.kind is Kind.REF:
            if last is None:
                tags[i] = replace(t, kind=Kind.FILLER)
                continue
            axles = last.axles if t.anaphor == "corner" else frozenset()
            tags[i] = replace(t, kind=Kind.POS, sides=last.sides, axles=axles, said=last.said)
        elif _names_side(tags, i):
            said = t.said or text[t.start : t.end]
            last = Referent(t.sides, _axles_around(tags, i), said)
    return last


def heading_of(segments: Sequence[Sequence[Tag]], text: str) -> Heading:
    """The heading a colon-ended sentence without parts makes ("LHF:", "whole n/side scraped:")."""
    sides: dict[SideWord, str] = {}
    axles: set[Axle] = set()
    for tags in segments:
        for i, t in enumerate(tags):
            if t.kind is Kind.POS and side_ok(tags, i):
                axles |= t.axles
                for word in t.sides:
                    sides.setdefault(word, t.said or text[t.start : t.end])
    one: SideWord | None = next(iter(sides)) if len(sides) == 1 else None
    return Heading(
        side=one,
        axle=next(iter(axles)) if len(axles) == 1 else None,
        said=sides[one] if one is not None else "",
        severity=worst(t.severity for tags in segments for t in tags if t.kind is Kind.SEV),
        positional=all(t.kind in _HEADING_WORDS for tags in segments for t in tags),
    )


def heading_ends(brk: str) -> bool:
    """Whether the sentence break ``brk`` ends a heading's list: a blank line, or a full
    stop not at the end of a line (a list item per line may end with one)."""
    return "\n\n" in brk or (any(c in brk for c in ".!?") and "\n" not in brk)
