"""What reading a text gives the reader: segments of a sentence, the parts they mention, passages.

``text.py`` fills them; ``reader.py`` turns each mention into parts to price.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .._models import Axle, Severity
from .reference import Referent
from .tags import Kind, Tag
from .vocabulary import SideWord

__all__ = ["Mention", "Passage", "Segment"]


@dataclass(slots=True)
class Segment:
    """Tags between two separators, and what joins it to the segment before."""

    tags: list[Tag]
    joiner: Kind | None
    start: int
    end: int
    text: str = ""
    """The whole text the segment is in (``start``/``end`` index it)."""
    severity: Severity | None = None
    denied: bool = False
    """The segment says its parts are not damaged ("tailgate is fine", "no damage to")."""
    kind_denied: bool = False
    """It denies only kinds of damage ("no dents", "not cracked", "paint intact"): its
    parts are fine unless some other damage is said of them ("lacquer peeling, no dents")."""
    paint_intact: bool = False
    """The segment says the paint of its parts is sound ("paint intact", "PDR")."""
    kinds: frozenset[str] = frozenset()
    """The kinds of damage its words say ("tear", "crease"): they travel with the severity."""
    prior: bool = False
    """The segment dates its damage before the claim ("old scratch", "already there")."""
    action: Literal["refit", "check"] | None = None
    """Work asked with no damage said ("R&I grille", "check the sensors"): nothing to buy."""
    work: bool = False
    """A new part or a repair is asked of its parts ("LF fender - req repl"), here or in the
    segment of only that after it: they are damaged, as if a damage word said so."""
    mentions: list[Mention] = field(default_factory=list)


@dataclass(slots=True)
class Mention:
    """One part named in the text, with everything attached to it."""

    tag: Tag
    segment: Segment
    axles: set[Axle] = field(default_factory=set)
    sides: set[SideWord] = field(default_factory=set)
    said: dict[SideWord, str] = field(default_factory=dict)
    """How the user wrote each side word ("N/S", "driver's"), for the notes."""
    side_from: Literal["words", "coordination", "heading", "context"] | None = None
    count: int | None = None
    severity: Severity | None = None
    severity_from: Literal["words", "given", "default"] = "default"
    kinds: frozenset[str] = frozenset()
    negated: bool = False
    paint_intact: bool = False
    narrative: bool = False
    location: bool = False
    unexplained: bool = False
    heading_axle: Axle | None = None
    """The axle of the heading over the part's list ("RHR: door"), used when it fits."""
    carried_axle: Axle | None = None
    """The axle of the part named just before in the sentence ("rear bumper cracked and
    parking sensor broken"): it decides between front and rear before the report's."""
    prior: bool = False
    """The words say the damage is old or pre-existing: listed, never priced."""
    action: Literal["refit", "check"] | None = None
    """Only work is asked on the part ("R&I", "check"): listed with the hint, never bought."""

    @property
    def plural(self) -> bool:
        return self.tag.plural

    @property
    def words(self) -> str:
        """The user's words for the part itself ("headlights", "F/B")."""
        return self.segment.text[self.tag.start : self.tag.end]


@dataclass(slots=True)
class Passage:
    """One text (a component field or a description) read into mentions and leftovers."""

    text: str
    mentions: list[Mention]
    unread: list[tuple[int, int]]
    """Spans of segments that name no part (the story), consecutive ones joined."""
    descriptions: list[tuple[int, int]]
    total_loss: list[tuple[int, int]]
    context_sides: list[SideWord]
    context_axles: list[Axle]
    referent: Referent | None = None
    """The side named last, for a reference in the next component ("mirror on that side")."""
    understood: bool = False
    """A story segment had words the lexicon knows (not only unknown words: "zzz qqq")."""
    stories: list[tuple[int, int]] = field(default_factory=list)
    """Spans that only tell what happened: not to confirm, but said if nothing else is read."""

    def phrase(self, span: tuple[int, int]) -> str:
        """The user's words over ``span``, without separators at the ends."""
        start, end = span
        if self.text.count("(", start, end) > self.text.count(")", start, end):
            end = self.text.find(")", end) + 1 or end  # "taillights (both)"
        return self.text[start:end].strip(" ,;:.-+&")
