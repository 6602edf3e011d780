"""What a tag is: a run of the user's words read as one kind of thing (a part, a position...)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from .._models import Axle, Severity
from .index import Entry
from .vocabulary import SideWord

__all__ = ["Kind", "Match", "Tag", "worst"]

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
    WORK = "work"
    """A new part or a repair asked ("req repl", "R&R", "rpr"): the part is damaged."""
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


_SEVERITY_ORDER = {Severity.MINOR: 0, Severity.MODERATE: 1, Severity.SEVERE: 2}


def worst(levels: Iterable[Severity | None]) -> Severity | None:
    """The most severe of ``levels`` (None when there is none)."""
    found = [lv for lv in levels if lv is not None]
    return max(found, key=_SEVERITY_ORDER.__getitem__) if found else None
