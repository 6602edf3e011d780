"""Which category a mention means, at which axle, and how sure the reading is of it.

A mention's words may name several targets ("door": the front and the rear
door); the axle word decides, else the context, else the one target named
without an axle word, else it is a tie. The confidence is the lexicon's
(``confidence``) base for how the words matched times one factor per doubt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .._models import Axle, Side
from .index import Index
from .language import lexicon
from .mentions import Mention

__all__ = [
    "Choice",
    "Chosen",
    "candidates",
    "choose",
    "confidence_of",
    "effective",
    "sure_axle",
    "take_heading_axle",
]

Choice = Literal["unique", "axle", "context", "default", "tie"]


@dataclass(frozen=True, slots=True)
class Chosen:
    """The target chosen for a mention at one axle, how, and the others it could be."""

    target: int
    how: Choice
    conflict: bool
    others: tuple[int, ...]


def effective(index: Index, m: Mention, target: int) -> set[Axle | None]:
    """The axles the mention's entries of ``target`` put it at (None: no axle said)."""
    t = index.targets[target]
    return {e.axle or t.axle for e in m.tag.entries if e.target == target}


def candidates(index: Index, m: Mention) -> list[int]:
    found = list(dict.fromkeys(e.target for e in m.tag.entries))
    real = any(index.targets[ix].category is not None for ix in found)
    # A part the catalog lacks, named by a catalog word and an axle ("rear wing" beside
    # the catalog's front wing), is that part only when its axle word is said; named by
    # its head word alone ("rear sensor"), without the word that makes it another kind
    # ("blind spot", "rain"), it is the catalog's part.
    return [
        ix
        for ix in found
        if not (
            real
            and index.targets[ix].absent is not None
            and (
                m.tag.match == "head"
                or (index.targets[ix].axle is not None and index.targets[ix].axle not in m.axles)
            )
        )
    ]


def choose(
    index: Index, m: Mention, axle: Axle | None, context: Axle | None, side: Side | None = None
) -> Chosen | None:
    """The target ``m`` means at ``axle``: by the axle word, else the context, else the default.

    The default is the one target named without an axle word ("Bumper" is a
    synonym of Front Bumper Cover only); with none or several, it is a tie. A
    catalog that names sides in its categories ("Headlamp Left") is chosen from
    by ``side``; a side that no candidate has is a conflict.
    """
    cands = candidates(index, m)
    if not cands:
        return None
    if any(index.targets[c].side for c in cands):
        fits = [c for c in cands if index.targets[c].side in (None, side)]
        if side is not None and not fits:
            return Chosen(cands[0], "axle", True, tuple(cands[1:]))
        if side is not None and len(fits) < len(cands):
            cands = fits  # the side word decided, like an axle word
    eff = {c: effective(index, m, c) for c in cands}

    def pick(chosen: int, how: Choice, conflict: bool = False) -> Chosen:
        return Chosen(chosen, how, conflict, tuple(c for c in cands if c != chosen))

    if axle is not None:
        at_axle = [c for c in cands if axle in eff[c]]
        neutral = [c for c in cands if None in eff[c]]
        if at_axle:
            return pick(at_axle[0], "axle" if len(at_axle) == 1 else "tie")
        if neutral:
            return pick(neutral[0], "unique" if len(neutral) == 1 else "tie")
        return pick(cands[0], "axle", conflict=True)
    if len(cands) == 1:
        return pick(cands[0], "unique")
    if m.sides & {"driver", "passenger"} and all(index.targets[c].sided for c in cands):
        # the driver's door is a front door; a driver's side sensor is at neither end
        front = [c for c in cands if "front" in eff[c]]
        if len(front) == 1:
            return pick(front[0], "context")  # the driver's door is a front door
    if context is not None:
        at_context = [c for c in cands if context in eff[c]]
        if len(at_context) == 1:
            return pick(at_context[0], "context")
    bare = [
        c
        for c in cands
        if index.targets[c].category is not None
        and any(e.target == c and e.axle is None for e in m.tag.entries)
    ]
    if len(bare) == 1:
        return pick(bare[0], "default")
    return pick(cands[0], "tie")


def take_heading_axle(index: Index, m: Mention) -> None:
    """ "RHR: door dented" is the rear door; under "LHF:" a tail lamp stays a tail lamp."""
    axle = m.heading_axle
    if axle is None or m.axles:
        return
    if any(axle in effective(index, m, c) for c in candidates(index, m)):
        m.axles = {axle}


def sure_axle(index: Index, m: Mention) -> Axle | None:
    """The axle a mention is at whatever its category ("headlight" is at the front); a part
    said to be fine or old says nothing of where this impact was."""
    if m.negated or m.prior:
        return None
    if len(m.axles) == 1:
        return next(iter(m.axles))
    found = {a for c in candidates(index, m) for a in effective(index, m, c)}
    return next(iter(found)) if len(found) == 1 else None


def confidence_of(m: Mention, choice: Chosen, damage_said: bool) -> float:
    """How sure the reading of ``m`` as ``choice`` is: a base times one factor per doubt."""
    f = lexicon().confidence
    c = f.match[m.tag.match or "term"] * f.choice[choice.how]
    if m.tag.corrected:
        c *= f.typo
    if choice.conflict:
        c *= f.axle_conflict
    if m.narrative and not damage_said:
        c *= f.narrative_without_damage
    if m.location:
        c *= f.location_detail
    if m.unexplained:
        c *= f.unexplained_words
    return c
