"""read_damage: a report's words -> the parts it names, each with a calibrated confidence.

The text (a free-text description, or each component of a list, which may
itself be a sentence) is read into mentions (text.py); each mention is then
matched to a category of the vehicle, expanded into physical parts and scored.

How a count is read:

* "both", "pair of", "x2", "2 x", "L+R", "left and right", "both sides" and a
  plural ("headlights smashed") mean two;
* on a sided part with no side given, two is the left and the right one at the
  axle given or the part's own ("both front wings", "both headlights");
* on a sided part with one side given, two is the front and the rear one of that
  side when the catalog has both ("both offside doors", "N/S doors");
* four on a part that exists front and rear is all four ("all 4 doors");
* "front and rear" names the axles outright ("passenger doors front and rear");
* "both doors" with no side is the two front doors, with a note when the vehicle
  also has rear ones (a 3-door car has only the two);
* on an unsided part a count is the quantity of one line ("three rear parking
  sensors": quantity 3).

Confidence is a product of factors from lexicon.json (``confidence``): a base
for how the words matched (a whole catalog term, only its head word, only a
modifier), times one factor per doubt (a typo corrected, a category chosen by
default or context rather than by the words, a story with no damage word, a
part named only as where the damage is, unexplained words next to it, no side
for a sided part, a side taken from the context). docs/reading.md lists them;
bench/quality.py shows that they are calibrated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import product
from pathlib import Path
from typing import Literal, Protocol

from .._markets import Market
from .._models import Axle, Category, DamagedPart, Position, ReportWarning, Severity, Side
from .choice import Chosen, choose, confidence_of, effective, sure_axle, take_heading_axle
from .index import Index, index_for, outer_piece
from .language import Language, lexicon, load_language, speaking
from .market import in_market_words, market_name
from .mentions import Mention, Passage
from .phrases import phrase_words
from .results import (
    ABSENT_PREFIX,
    Guess,
    Reading,
    ReadPart,
    UnreadPhrase,
    UnreadReason,
    WarningCode,
    absent_category,
)
from .same_part import same_part_once
from .text import read_passage
from .tokens import normalise_market, phrase_key, side_in
from .vocabulary import LEXICON

__all__ = [
    "ABSENT_PREFIX",
    "PRICE_THRESHOLD",
    "absent_category",
    "low_confidence",
    "read_damage",
    "vehicle_words",
]

PRICE_THRESHOLD = LEXICON.confidence.price_threshold
"""A part read with less confidence than this is not priced: it is listed to confirm."""


class _Named(Protocol):
    """A category as the reading or the plan holds it: an id and a name."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


def low_confidence(
    phrase: str,
    category: _Named,
    position: Position,
    confidence: float,
    guesses: tuple[Guess, ...] = (),
) -> UnreadPhrase:
    """A part read under PRICE_THRESHOLD, as the phrase to confirm (its own guess if no other)."""
    return UnreadPhrase(
        phrase=phrase,
        reason="low_confidence",
        note=(
            f"{phrase!r} may be {category.name} but the reading is not sure enough "
            f"to price it (confidence {confidence:.2f}, below {PRICE_THRESHOLD:.2f})"
        ),
        guesses=guesses
        or (
            Guess(
                category_id=category.id,
                category_name=category.name,
                position=position,
                confidence=confidence,
            ),
        ),
    )


_GUESSED = 0.9
"""Under this a part was guessed (a default, a tie, a context): a denial elsewhere wins."""
SeverityFrom = Literal["words", "given", "default"]


@dataclass(frozen=True, slots=True)
class _Line:
    """One physical part a mention expands to."""

    choice: Chosen
    axle: Axle | None
    side: Side | None
    quantity: int
    side_from_context: bool = False


@dataclass(frozen=True, slots=True)
class _Source:
    text: str
    given: Severity | None


def vehicle_words(names: Iterable[str]) -> frozenset[str]:
    """The words of the vehicle's make, model and variants: "Fiesta ST" is not damage."""
    return frozenset(w for n in names for w in phrase_key(n) if w.isalnum())


# -- the reader -----------------------------------------------------------------------


class _Reader:
    def __init__(self, index: Index, market: Market, vehicle: frozenset[str]) -> None:
        self.index = index
        self.market = market
        self.vehicle = vehicle
        self.parts: list[ReadPart] = []
        self.labour: list[ReadPart] = []
        """Damaged panels the catalog lacks that are worked on in place (``Reading.labour``)."""
        self.unread: list[UnreadPhrase] = []
        self.notes: list[ReportWarning] = []
        self.total_loss: list[str] = []
        self.context_axle: Axle | None = None
        self.context_side: Side | None = None
        self.denied: set[tuple[str, Side | None]] = set()
        """The parts the words say are fine: never offered as a guess."""

    def read(self, sources: Sequence[_Source], *, components: bool) -> Reading:
        """Read every source; ``components``: they are component fields, not one description."""
        passages: list[Passage] = []
        for s in sources:  # "that side" in one component refers to the side of an earlier one
            referent = passages[-1].referent if passages else None
            passages.append(read_passage(s.text, self.index, self.vehicle, referent))
        for m in (m for p in passages for m in p.mentions):
            take_heading_axle(self.index, m)
        story_axles = {a for p in passages for a in p.context_axles}
        axles = set(story_axles)
        axles |= {a for p in passages for m in p.mentions if (a := sure_axle(self.index, m))}
        if len(story_axles) == 1 and len(axles) > 1:
            axles = story_axles  # "hit from behind": the story says where, a headlamp fine
        self.context_axle = next(iter(axles)) if len(axles) == 1 else None
        # The side of the impact, when the story names one ("Impact N/S/F", "the whole
        # driver side"); another part's side is not this part's ("sides only from side words").
        sides = {side_in(self.market, w) for p in passages for w in p.context_sides}
        self.context_side = next(iter(sides)) if len(sides) == 1 else None
        for source, passage in zip(sources, passages, strict=True):
            before = (len(self.parts), len(self.unread))
            for m in passage.mentions:
                self._mention(passage, m, source.given)
            for span in passage.unread:
                self._story(passage.phrase(span))
            self.total_loss.extend(passage.phrase(s) for s in passage.total_loss)
            if components:
                self._free_text_note(source, passage, before)
        self._not_contradicted()
        stories = [p.phrase(s) for p in passages for s in p.stories]
        if stories and not self.parts and not self.unread:
            told = "; ".join(dict.fromkeys(stories))
            said = f"no damaged part named: {told!r} tells what happened; name the damaged parts"
            note = ReportWarning(code="no_damage_named", message=f"{said} to price them")
            self.notes.append(note)
        return Reading(
            parts=tuple(self.parts),
            labour=tuple(self.labour),
            unread=tuple(dict.fromkeys(self.unread)),
            total_loss=tuple(dict.fromkeys(self.total_loss)),
            notes=tuple(dict.fromkeys(self.notes)),
            understood=any(p.understood for p in passages),
        )

    def _contradicts(self, category_id: str, side: Side | None) -> bool:
        if (category_id, None) in self.denied or (category_id, side) in self.denied:
            return True
        return side is None and {(category_id, "left"), (category_id, "right")} <= self.denied

    def _not_contradicted(self) -> None:
        """No guess the text rules out ("possible Tail Lamp" beside "both tail lights OK"),
        and no phrase listed twice or listed beside the part it priced."""
        keep: list[ReadPart] = []
        for p in self.parts:
            guesses = tuple(
                g for g in p.guesses if not self._contradicts(g.category_id, g.position.side)
            )
            if p.confidence < _GUESSED and self._contradicts(p.category.id, p.position.side):
                note = f"{p.phrase!r} may name a part the report says is fine; not priced"
                self._unread(p.phrase, "low_confidence", note, guesses)
                continue
            keep.append(replace(p, guesses=guesses))
        self.parts = same_part_once(keep)
        priced = {p.phrase for p in keep if p.confidence >= PRICE_THRESHOLD}
        seen: set[str] = set()
        unread: list[UnreadPhrase] = []
        for u in self.unread:
            if u.phrase in seen or (u.phrase in priced and u.reason != "not_in_catalog"):
                continue
            seen.add(u.phrase)
            guesses = tuple(
                g for g in u.guesses if not self._contradicts(g.category_id, g.position.side)
            )
            unread.append(u.model_copy(update={"guesses": guesses}))
        self.unread = unread

    def _free_text_note(self, source: _Source, passage: Passage, before: tuple[int, int]) -> None:
        """A component field that holds a sentence says how it was read."""
        parts = self.parts[before[0] :]
        unread = self.unread[before[1] :]
        phrases = {p.phrase for p in parts} | {u.phrase for u in unread}
        if len(phrases) <= 1 and not passage.descriptions:
            return
        named = ", ".join(dict.fromkeys(_label(p) for p in parts)) or "no part"
        extra = f"; {len(unread)} phrase(s) not priced" if unread else ""
        said = f"read {source.text!r} as free text: {named}{extra}"
        self.notes.append(ReportWarning(code="free_text_read", message=said))

    def _mention(self, passage: Passage, m: Mention, given: Severity | None) -> None:
        phrase = passage.phrase((m.segment.start, m.segment.end))
        if m.negated:
            self._unread(phrase, "undamaged", f"{phrase!r} says the part is not damaged")
            for line in self._expand(m):
                category = self.index.targets[line.choice.target].category
                if category is not None:
                    self.denied.add((category.id, line.side))
            return
        lines = self._expand(m)
        if not lines:
            self._unread(phrase, "no_part", f"no part named in {phrase!r}")
            return
        if (m.prior or m.action) and given is None:
            self._not_this_claim(phrase, m, lines)
            return
        warnings, notes = self._notes(m, lines)
        ambiguous = lines[0].choice.how in ("default", "tie") and bool(warnings)
        severity = given or m.severity or Severity.MODERATE
        for line in lines:
            words = (w for t in m.segment.tags for w in t.words)
            target = outer_piece(self.index, line.choice.target, words, severity)
            if target.absent is not None:
                if m.location:
                    continue  # "scraped along a concrete pillar": where, not what
                name = market_name(target.name, self.market)
                note = f"the catalog has no {name} category; {phrase!r} is not priced"
                if target.absent.outer_of is not None:
                    note += f" (only it is marked: never a new {target.absent.outer_of})"
                if target.absent.structural:
                    note += "; structural damage: the car needs inspection"
                self.unread.append(
                    UnreadPhrase(
                        phrase=phrase,
                        reason="not_in_catalog",
                        note=note,
                        structural=target.absent.structural,
                    )
                )
                if target.absent.labour:  # a panel worked on in place: its labour is priced
                    panel = absent_category(target.absent)
                    part = self._part(m, phrase, line, panel, given, (), lines)
                    self.labour.append(replace(part, guesses=()))
                continue
            if line.choice.conflict:
                by_side = target.side is not None and target.side != line.side
                said, own = (line.side, target.side) if by_side else (line.axle, target.axle)
                note = f"{phrase!r} names a {said} part; the catalog's {target.name} is a {own} one"
                self._unread(phrase, "not_in_catalog", note)  # its guess is what the words rule out
                continue
            assert target.category is not None
            part = self._part(m, phrase, line, target.category, given, notes, lines)
            self.parts.append(replace(part, warnings=tuple(warnings), ambiguous=ambiguous))

    def _part(
        self,
        m: Mention,
        phrase: str,
        line: _Line,
        category: Category,
        given: Severity | None,
        notes: Sequence[str],
        lines: Sequence[_Line],
    ) -> ReadPart:
        """One physical part of a mention: its side, count, damage and confidence."""
        target = self.index.targets[line.choice.target]
        severity = given or m.severity or Severity.MODERATE
        severity_from: SeverityFrom = "given" if given is not None else m.severity_from
        damage_said = severity_from != "default"
        side, confidence = line.side, confidence_of(m, line.choice, damage_said)
        own_sides = {side_in(self.market, w) for w in m.sides}
        if not target.sided and _countable(m) and m.side_from == "words":
            # "O/S front parking sensor": which of the several it is
            side = line.side or (own_sides.pop() if len(own_sides) == 1 else None)
        if target.sided and side is None and not m.sides and self.context_side:
            side = self.context_side
            confidence *= lexicon().confidence.side_from_context
        elif target.sided and side is None:
            confidence *= lexicon().confidence.no_side
        elif line.side_from_context or (target.sided and m.side_from == "context"):
            confidence *= lexicon().confidence.side_from_context
        if self._miscounted(m, lines) is not None:
            confidence *= lexicon().confidence.choice["default"]  # which of them is not said
        return ReadPart(
            phrase=phrase,
            category=category,
            position=Position(axle=line.axle, side=side if target.sided or _countable(m) else None),
            quantity=line.quantity,
            severity=severity,
            severity_from=severity_from,
            confidence=round(confidence, 3),
            notes=tuple(n for n in notes if side is None or "comes as" not in n),
            guesses=self._guesses(m, line, damage_said),
            paint_intact=m.paint_intact,
            damage_kinds=tuple(sorted(m.kinds)),
        )

    # -- expansion ---------------------------------------------------------------------

    def _not_this_claim(self, phrase: str, m: Mention, lines: Sequence[_Line]) -> None:
        """Old damage or work only ("R&I grille"): listed with the part read, never bought."""
        guesses = tuple(g for line in lines for g in self._guesses(m, line, True)[:1])
        if m.prior:
            note = (
                f"{phrase!r} is said to be old or pre-existing damage: not priced; confirm it "
                "is not part of this claim"
            )
            self._unread(phrase, "pre_existing", note, guesses)
            self.notes.append(ReportWarning(code="pre_existing", message=note))
            return
        work = "removed and refitted" if m.action == "refit" else "checked"
        note = (
            f"{phrase!r} asks for the part to be {work}, not replaced: it is not bought; "
            "say the damage if it is damaged"
        )
        self.unread.append(
            UnreadPhrase(
                phrase=phrase, reason="operation", note=note, guesses=guesses, action_hint=m.action
            )
        )

    def _line(self, m: Mention, axle: Axle | None, side: Side | None, qty: int = 1) -> _Line:
        choice = choose(self.index, m, axle, m.carried_axle or self.context_axle, side)
        assert choice is not None
        t = self.index.targets[choice.target]
        if t.known and not choice.conflict:
            axle = t.axle  # the vocabulary knows where the part sits (a badge has no axle)
        elif axle is None:
            named = effective(self.index, m, choice.target) - {None}
            axle = next(iter(named)) if len(named) == 1 else t.axle
        return _Line(choice, axle, side, qty)

    def _expand(self, m: Mention) -> list[_Line]:
        """The physical parts of a mention: pairs, counts and "front and rear" (module doc)."""
        axles: list[Axle | None] = [*sorted(m.axles)] or [None]
        sides: list[Side | None] = [*sorted({side_in(self.market, w) for w in m.sides})]
        one_side = sides[0] if len(sides) == 1 else None
        first = choose(self.index, m, axles[0], m.carried_axle or self.context_axle, one_side)
        if first is None:
            return []
        target = self.index.targets[first.target]
        count = m.count
        if count == 0:  # "all doors": every one the vehicle has
            count = 2 * len(_family_of(self.index, m, first.target)) if target.sided else None
        if not target.sided:
            family = self.index.family(_core(m, first.target))
            pair = count == 2 or (m.plural and count is None)
            if axles == [None] and len(family) == 2 and pair and not _countable(m):
                return [self._line(m, a, None) for a in ("front", "rear")]  # "both bumpers"
            if _countable(m) and len(sides) == 2:
                # "a sensor on each side", "sensors L and R": one (or the count's share) a side
                each = max(1, (count or 2) // (2 * len(axles)))
                return [self._line(m, a, s, each) for a in axles for s in sides]
            each = max(1, (count or 1) // len(axles))  # "both front and rear bumpers": one each
            return [self._line(m, a, None, each) for a in axles]
        if not ((count is not None and count >= 2) or (m.plural and count is None)):
            return [self._line(m, a, s) for a in axles for s in sides or [None]]
        family = self.index.family(_core(m, first.target))
        both: list[Side | None] = ["left", "right"]
        ends: list[Axle | None] = ["front", "rear"]
        if len(sides) == 2 or len(axles) == 2:
            return [self._line(m, a, s) for a, s in product(axles, sides or [None])]
        if (
            not sides
            and axles == [None]
            and len(family) == 2
            and self.context_side
            and count in (None, 2)
        ):
            # "Keyed down the drivers side, both doors": the two doors of that side.
            return [
                replace(self._line(m, a, self.context_side), side_from_context=True) for a in ends
            ]
        if len(sides) == 1:
            if axles == [None] and len(family) == 2:
                return [self._line(m, a, sides[0]) for a in ends]
            return [self._line(m, a, sides[0]) for a in axles]
        if axles == [None] and len(family) == 2 and count is not None and count >= 3:
            # "all 4 doors"; "three doors" or "five doors" say more or fewer than there are:
            # every one is priced and _notes says so.
            return [self._line(m, a, s) for a, s in product(ends, both)]
        return [self._line(m, a, s) for a, s in product(axles, both)]

    # -- what is said about it -----------------------------------------------------------

    def _notes(self, m: Mention, lines: Sequence[_Line]) -> tuple[list[ReportWarning], list[str]]:
        """What to check (an ambiguity, how a pair was read) and what only explains."""
        warnings: list[ReportWarning] = []
        notes: list[str] = []
        words = m.words
        first = lines[0].choice
        target = self.index.targets[first.target]

        def warn(code: WarningCode, message: str) -> None:
            warnings.append(ReportWarning(code=code, message=message, part=target.name))

        if first.how in ("default", "tie") and len(lines) == 1:
            others = [
                self.index.targets[o].name
                for o in first.others
                if self.index.targets[o].category is not None
            ]
            if others:
                warn(
                    "ambiguous_part",
                    f"{words!r} could mean {target.name} or {', '.join(dict.fromkeys(others))}; "
                    "name the part more precisely",
                )
        drive = self.market.drive
        for word in sorted(m.sides):
            if word not in ("left", "right"):
                said = m.said.get(word) or lexicon().side_labels.get(word, word)
                notes.append(
                    f"{said} means {side_in(self.market, word)} in {self.market} "
                    f"({drive}-hand drive)"
                )
        if target.sided and not m.sides and len(lines) == 1 and target.category is not None:
            notes.append(f"{target.name} comes as left and right; give the side for one exact part")
        family = self.index.family(_core(m, first.target))
        there = self._miscounted(m, lines)
        if there is not None:
            fix = (
                "remove the ones not damaged"
                if m.count is not None and m.count < there
                else "name any other part (a tailgate) to price it"
            )
            warn(
                "count_differs",
                f"{m.count} {words!r} said, but the vehicle has {there}: priced all {there}; {fix}",
            )
        slashed = {v for v in m.said.values() if _SLASHED_PAIR.fullmatch(v.casefold())}
        if slashed and not m.axles and len(family) == 2:
            said = slashed.pop()
            warn(
                "pair_or_corner",
                f"{said!r} before {words!r} may mean left and right or a corner ({said[0]} "
                f"{'rear' if said[-1] in 'rR' else 'front'}); priced as left and right "
                "front ones: say LR/RR or left rear to be sure",
            )
        same_axle = len(lines) == 2 and lines[0].axle == lines[1].axle
        if same_axle and not m.sides and not m.axles and len(family) == 2:
            warn(
                "axle_assumed",
                f"read {words!r} as the two {lines[0].axle} ones; name the "
                f"{'rear' if lines[0].axle == 'front' else 'front'} ones too if they are damaged",
            )
        return warnings, notes

    def _miscounted(self, m: Mention, lines: Sequence[_Line]) -> int | None:
        """How many the vehicle has, when the words say another number ("three doors")."""
        target = self.index.targets[lines[0].choice.target]
        family = self.index.family(_core(m, lines[0].choice.target))
        there = 2 * len(family) if target.sided else len(family)
        if m.count in (None, 0, 1, 2) or m.count == there or len(lines) != there or there < 2:
            return None
        return there

    def _guesses(self, m: Mention, line: _Line, damage_said: bool) -> tuple[Guess, ...]:
        base = confidence_of(m, line.choice, damage_said)
        out: list[Guess] = []
        for rank, ix in enumerate((line.choice.target, *line.choice.others)):
            t = self.index.targets[ix]
            if t.category is None:
                continue
            out.append(
                Guess(
                    category_id=t.category.id,
                    category_name=t.category.name,
                    position=Position(axle=t.axle if t.known else line.axle, side=line.side),
                    confidence=round(
                        base * (1.0 if rank == 0 else lexicon().confidence.choice["tie"]), 3
                    ),
                )
            )
        return tuple(out[:3])

    def _unread(
        self,
        phrase: str,
        reason: UnreadReason,
        note: str,
        guesses: tuple[Guess, ...] = (),
    ) -> None:
        self.unread.append(UnreadPhrase(phrase=phrase, reason=reason, note=note, guesses=guesses))

    def _story(self, phrase: str) -> None:
        if phrase:
            self._unread(phrase, "no_part", f"{phrase!r} tells what happened; it names no part")


_SLASHED_PAIR = re.compile(r"[lr]\s*/\s*[lr]")
"""A side pair written as a corner would be ("L/R door": left and right, or left rear?)."""


def _countable(m: Mention) -> bool:
    """Parts that come several to an axle ("sensors", "clips"): two of them is a quantity."""
    return bool(m.tag.words) and m.tag.words[-1] in phrase_words().countable


def _family_of(index: Index, m: Mention, target: int) -> dict[Axle, int]:
    """The targets of the mention's words per axle, at least the target's own."""
    return index.family(_core(m, target)) or {"front": target}


def _core(m: Mention, target: int) -> tuple[str, ...]:
    """The core words of the entry of ``target`` that the mention matched."""
    return next((e.core for e in m.tag.entries if e.target == target), ())


def _label(p: ReadPart) -> str:
    return f"{p.category.name} ({p.position.side})" if p.position.side else p.category.name


def read_damage(
    damage: str | Sequence[DamagedPart],
    categories: Sequence[Category],
    *,
    market: str | Market = "GB",
    vehicle: frozenset[str] = frozenset(),
    language: str | Path | Language | None = None,
) -> Reading:
    """Read a free-text description or a list of components against ``categories``.

    Never raises for words it cannot read: they come back in ``unread``. A
    component's severity, when given, wins over its words; when left out, the
    most severe word attached to the part decides (moderate if there is none).
    ``vehicle`` holds the vehicle's own words (``vehicle_words``), so that
    "Fiesta ST 3 door hatch" is read as a description, not as damage.
    ``language`` is the market's unless given: a packaged code or a folder of
    your own (``load_language``).
    """
    mkt = normalise_market(market)
    with speaking(load_language(mkt.reads_in if language is None else language)):
        return _read(damage, categories, mkt, vehicle)


def _read(
    damage: str | Sequence[DamagedPart],
    categories: Sequence[Category],
    mkt: Market,
    vehicle: frozenset[str],
) -> Reading:
    if isinstance(damage, str):
        sources = [_Source(damage, None)]
    else:
        sources = [
            _Source(p.component, p.severity if "severity" in p.model_fields_set else None)
            for p in damage
        ]
    reader = _Reader(index_for(in_market_words(categories, mkt), vehicle), mkt, vehicle)
    return reader.read(sources, components=not isinstance(damage, str))
