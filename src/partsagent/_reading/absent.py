"""Parts the catalog lacks: listed with their name and place, never priced, and a bare word
that names one of them again ("rear window smashed ... sublet screen") is not a new part."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .._markets import Market
from .._models import Axle, Side
from .index import Target
from .language import lexicon
from .market import market_name
from .mentions import Mention
from .results import ReadPart, UnreadPhrase

__all__ = ["Absent"]


@dataclass(slots=True)
class Absent:
    """The absent parts one report names, and the parts read from a word that may be one
    of them said again (lexicon ``referring_words``)."""

    market: Market
    named: set[str] = field(default_factory=set)
    referring: list[tuple[ReadPart, tuple[str, ...]]] = field(default_factory=list)

    def unread(
        self, phrase: str, target: Target, m: Mention, axle: Axle | None, side: Side | None
    ) -> UnreadPhrase:
        """ "BSM sensor LHR smashed": not priced, with the part's name and where it is."""
        assert target.absent is not None
        self.named.add(target.name)
        name = market_name(target.name, self.market)
        axle = axle or (next(iter(m.axles)) if len(m.axles) == 1 else None)
        own = (axle if target.axle is None else None, side if target.sided else None)
        where = " ".join(w for w in own if w)
        said = f" ({name}, {where})" if where else ""
        note = f"the catalog has no {name} category; {phrase!r}{said} is not priced"
        if target.absent.outer_of is not None:
            note += f" (only it is marked: never a new {target.absent.outer_of})"
        if target.absent.structural:
            note += "; structural damage: the car needs inspection"
        return UnreadPhrase(
            phrase=phrase, reason="not_in_catalog", note=note, structural=target.absent.structural
        )

    def may_refer(self, part: ReadPart, m: Mention, text: str) -> None:
        """Keep a part read from a bare referring word ("screen", no axle word) to check."""
        names = lexicon().referring_words.get(text[m.tag.start : m.tag.end].casefold())
        if names and not m.axles:
            self.referring.append((part, names))

    def said_again(self, parts: Sequence[ReadPart]) -> tuple[list[ReadPart], list[UnreadPhrase]]:
        """The parts that stay, and those that name an absent part said before, listed."""
        again: dict[int, UnreadPhrase] = {}
        for part, names in self.referring:
            name = next((n for n in names if n in self.named), None)
            if name is not None:
                shown = market_name(name, self.market)
                note = (
                    f"{part.phrase!r} reads as the {shown} named before; the catalog has no "
                    f"{shown} category; it is not priced"
                )
                again[id(part)] = UnreadPhrase(
                    phrase=part.phrase, reason="not_in_catalog", note=note
                )
        return [p for p in parts if id(p) not in again], list(again.values())
