"""What the report's words tell the estimator beyond the parts (``evidence.json``).

The reading finds the parts; an estimator also reads the rest: "no blending",
a bent B pillar or a deployed airbag that no parts list covers, the lane assist
camera that needs calibrating, a lamp knocked loose but sound, a dent the size
of a fist, dozens of hail dents. The word classes are data a shop can replace;
``Said`` is what one report says, read once per report and part of the report
cache's key (through the build preference), so reports that say different things
never share an estimate.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..._datafile import DataFile, load_data
from ..._models import Axle, DamagedPart, Severity
from ..._reading.tokens import pillar_posts, pillars_hit
from ._data import DataId, Hours, check_equipment, round_hours
from .policy import DecidedOperation

__all__ = ["DentSize", "Evidence", "Said", "load_evidence", "read_evidence"]

SENTENCES_KEPT = 4096
"""Sentences whose reading is kept (``_sentence``), of every evidence file together."""

Phrases = tuple[Annotated[str, Field(min_length=1)], ...]


class Equipment(DataFile):
    id: DataId
    equipment: Annotated[tuple[str, ...], Field(min_length=1)]
    """The catalog's equipment ids the words stand for (``windscreen_camera``)."""
    words: Phrases

    @model_validator(mode="after")
    def _known_equipment(self) -> Equipment:
        check_equipment(f"equipment {self.id}", self.equipment)
        return self


class Safety(DataFile):
    """Words that call for a safety check no parts estimate covers (high voltage, geometry)."""

    id: DataId
    words: Phrases
    with_: Phrases = Field(default=(), alias="with")
    """When given, one of these words must also be said ("EV" with "underbody")."""
    warning: Annotated[str, Field(min_length=1)]
    """The warning; ``{words}`` is replaced by the words found."""


class DentSize(DataFile):
    """A size of dent: its words or measure, and how it is repaired."""

    id: DataId
    up_to_cm: Annotated[Decimal, Field(gt=0)] | None
    """The largest measure of this size; None for the last, open-ended size."""
    pdr: Hours | None
    """Paintless repair hours; None when the dent is too large to be worked out paintless."""
    repair: Severity | Literal["replace"]
    """The labour times' repair column a conventional repair takes, or a new panel."""
    words: Phrases
    objects: Phrases = ()
    """Things a dent is compared with ("football"): a size only in a comparison."""


class HailBand(DataFile):
    up_to: Annotated[int, Field(gt=0)] | None
    pdr: Hours | None


class Hail(DataFile):
    words: Phrases
    counts: dict[str, Annotated[int, Field(gt=0)]]
    numbers: dict[str, Annotated[int, Field(gt=0)]] = {}
    """Number words, read only before 'dents' ("twenty dents")."""
    default_count: Annotated[int, Field(gt=0)]
    bands: Annotated[tuple[HailBand, ...], Field(min_length=1)]

    def band(self, count: int) -> HailBand:
        return next(b for b in self.bands if b.up_to is None or count <= b.up_to)

    @model_validator(mode="after")
    def _open_ended(self) -> Hail:
        if self.bands[-1].up_to is not None:
            raise ValueError("the last hail band has no 'up_to'")
        return self


class Evidence(DataFile):
    """The whole evidence file: word classes, dent sizes and the hail table."""

    format: Literal["partsagent-estimate-evidence/1"]
    description: str = ""
    denials: Phrases
    equipment_denials: Phrases
    """Words that say a car lacks equipment ("no radar"); "radar not damaged" still has one."""
    equipment_cues: Phrases = ()
    """Words that say a part carries equipment ("has", "with", "behind")."""
    damage_words: Phrases
    no_blend: Phrases
    blend_words: Phrases = ()
    """A blend word with a denial in its clause rules blending out too."""
    work_words: Phrases = ()
    """Other work on a part ("refinish", "replace"): a part with them is no blend target."""
    structural: Phrases
    not_structural: Phrases = ()
    """Trims named after a structural part ("sill trim", "side skirt", "pillar trim"): no
    banner; the structural word inside them is not said."""
    hit_objects: Phrases = ()
    """Structural words that also name what a car hits ("pillar", "post")."""
    hit_cues: Phrases = ()
    """Words before a hit object that make it the thing hit ("into", "against")."""
    cosmetic_words: Phrases = ()
    deformed_words: Phrases = ()
    """A structural word with only cosmetic damage in its clause ("sill scraped") is no banner."""
    deformation_words: Phrases = ()
    body_words: Phrases = ()
    """A deformation ("pushed in") is structural only on the body ("the front end pushed
    in"), never on a part it qualifies ("sensor pushed in"); members are ``structural``."""
    safety: tuple[Safety, ...] = ()
    airbag_words: Phrases
    deployed_words: Phrases
    loose: Phrases
    loose_damage_words: Phrases
    equipment: tuple[Equipment, ...]
    dent_sizes: Annotated[tuple[DentSize, ...], Field(min_length=1)]
    hail: Hail
    comparison_cues: Phrases = ()
    """Words that make an object a dent's size ("the size of", "as big as")."""
    reach_behind_words: Phrases = ()
    """Words that say an impact reached behind a cover or panel ("pushed in", "absorber")."""
    severity_words: Phrases = ()
    """Words that say the damage is severe ("badly", "severe"), beyond a work instruction."""
    light_impact_words: Phrases = ()
    """Words of a light impact ("scraped", "light knock"): a part's secondary parts stay
    possible unless the words also reach behind it."""
    paintless_words: Phrases = ()
    """Words that ask for paintless dent repair ("PDR", "dent removal, no paint")."""
    action_words: dict[Literal["replace", "repair"], Phrases] = {}
    """Words that ask for an operation on a part ("replace", "reuse"): they win over the
    severity's policy row."""
    abbreviations: Phrases = ()
    """Words written with a dot that ends no sentence ("req.", "repl.", "approx.")."""
    sublet_words: Phrases = ()
    """Words that send a part's work to a specialist ("sublet screen", "glass company")."""
    end_words: dict[Axle, Phrases] = {}
    """Words that put a part with no axle of its own at one end ("tailgate badge": rear)."""
    refit_words: Phrases = ()
    """Words that keep a part and put it back ("R&I", "transfer", "reuse", "for access")."""
    dent_count_default_size: DataId | None = None
    """The dent size paintless repair is timed at when the words give none."""
    stated_hours_words: dict[DecidedOperation | Literal["blend"], Phrases] = {}
    """The operation words hours given in the text belong to ("repair 2.0h")."""

    @model_validator(mode="after")
    def _sizes_ascend(self) -> Evidence:
        limits = [s.up_to_cm for s in self.dent_sizes]
        if limits[-1] is not None or any(x is None for x in limits[:-1]):
            raise ValueError("only the last dent size is open-ended (up_to_cm null)")
        bounded = [x for x in limits if x is not None]
        if bounded != sorted(bounded):
            raise ValueError("dent sizes go from the smallest up")
        default = self.dent_count_default_size
        if default is not None and default not in {s.id for s in self.dent_sizes}:
            raise ValueError(f"dent_count_default_size {default!r} is not a dent size")
        return self

    @functools.cached_property
    def equipment_words(self) -> dict[str, tuple[str, ...]]:
        """Each equipment phrase and the equipment ids it names."""
        return {_normal(w): e.equipment for e in self.equipment for w in e.words}

    def size(self, phrase: str) -> DentSize | None:
        """The dent size a part's words give, by measure first, else the largest size word."""
        text = _normal(phrase)
        found = self._measured(text) or self._worded(text)
        return found[-1] if found else None

    def sizes_in(self, phrase: str) -> list[DentSize]:
        """Every size a phrase names, by measure and by words."""
        text = _normal(phrase)
        return [*self._measured(text), *self._worded(text)]

    def _measured(self, text: str) -> list[DentSize]:
        cm = _measure(text)
        if cm is None:
            return []
        return [next(s for s in self.dent_sizes if s.up_to_cm is None or cm <= s.up_to_cm)]

    def _worded(self, text: str) -> list[DentSize]:
        # "as big as an orange" is the orange's size, not "big".
        plain = text
        for start, end, _ in reversed(_find(self.comparison_cues, text)):
            plain = plain[:start] + " " * (end - start) + plain[end:]
        return [
            s
            for s in self.dent_sizes
            if _find(s.words, plain)
            or any(self._compared(text, a, b) for a, b, _ in _find(s.objects, text))
        ]

    def _compared(self, text: str, start: int, end: int) -> bool:
        """True when the object at ``text[start:end]`` is in a comparison ("size of a ...")."""
        before = " ".join(text[:start].split()[-4:])
        after = " ".join(text[end:].split()[:1])
        return bool(_find(self.comparison_cues, before)) or after in ("size", "sized")

    def denies(self, phrase: str) -> bool:
        """True when a phrase says its part is not damaged ("airbags did not go off")."""
        return bool(_find(self.denials, _normal(phrase)))

    def only_equipment(self, phrase: str) -> bool:
        """True when a phrase says the car carries equipment and names no damage.

        "The mirror has the 360 camera", "radar behind the badge": a carrying word
        (``equipment_cues``) is needed, so a part listed bare ("front parking sensor",
        its severity given apart) is still damaged.
        """
        text = _normal(phrase)
        return (
            bool(_find(self.equipment_words, text))
            and bool(_find(self.equipment_cues, text))
            and not _find(self.damage_words, text)
            and not _find(self.loose_damage_words, text)
        )

    def is_blend_target(self, phrase: str) -> bool:
        """True when a part's words are a blend instruction and name no damage to it.

        "blend into the LF door", "Blend adj panels: N/S rear door": the door is
        blended for the colour, not damaged, bought or refinished.
        """
        text = _normal(phrase)
        head = text.split(":")[0] if ":" in text else text
        return (
            bool(_find(self.blend_words, head))
            and not _find(self.damage_words, text)
            and not _find(self.work_words, text)
            and not _find(self.no_blend, text)
        )

    def blended_after(self, component: str, segment: str) -> bool:
        """True when a blend word follows a part's words in their clause ("N/S rear door -
        blend", "rear door: blend 0.4h") and the segment names no damage or other work."""
        text, own = _normal(segment), _normal(component)
        at = text.find(own) if own else -1
        if at < 0:
            return False
        after = _CLAUSE.split(text[at + len(own) :])[0]
        return (
            bool(_find(self.blend_words, after))
            and not _find(self.damage_words, text)
            and not _find(self.work_words, text)
            and not _find(self.no_blend, text)
            and not _find(self.denials, text)
        )

    def is_loose(self, phrase: str) -> bool:
        """True when the words say the part came loose and name no damage to it."""
        clauses = _CLAUSE.split(_normal(phrase))
        return any(_find(self.loose, c) for c in clauses) and not any(
            _affirmed(self.loose_damage_words, c, self.denials) for c in clauses
        )

    def hail_count(self, phrase: str) -> int | None:
        """The dents counted in a phrase ("12 dents", "dozens of"), or None."""
        text = _normal(phrase)
        counted = self.dent_count(text)
        if counted is not None:
            return counted
        counts = self.hail.counts
        if _find(tuple(counts), text) == []:  # none of them: one search, not one per word
            return None
        said = [n for w, n in counts.items() if _find((w,), text)]
        return max(said) if said else None

    def dent_count(self, phrase: str) -> int | None:
        """The dents a phrase counts by number ("3 dings", "two dents"), or None."""
        m = self._counted.search(_normal(phrase))
        if m is None:
            return None
        n = m.group(1)
        return int(n) if n.isdigit() else self.hail.numbers[n]

    @functools.cached_property
    def _counted(self) -> re.Pattern[str]:
        """A number or number word before 'dents' (compiled once, not per phrase)."""
        words = "|".join(re.escape(w) for w in sorted(self.hail.numbers, key=len, reverse=True))
        return re.compile(
            rf"\b(\d{{1,4}}|{words or '(?!)'})\s*(?:\+\s*)?(?:small\s+|hail\s+|tiny\s+)?"
            r"(?:dents?|dings?|marks?|hits?|impacts?)\b"
        )

    def reaches_behind(self, sentence: str, clause: str) -> bool:
        """True when a part's words give grounds for the parts behind it.

        The impact reached behind ("pushed in", "absorber"), or the part is said to be
        badly damaged with no light impact in its clause, or nothing but a severity was
        given (a structured line); a work instruction alone ("replace cover") or a light
        impact ("scraped", "light knock") is no evidence of damage behind.
        """
        text, own = _normal(sentence), _normal(clause)
        if self.reaches_behind_in(text):
            return True
        if _find(self.light_impact_words, own):
            return False
        return bool(_find(self.severity_words, text)) or not _find(self.work_words, text)

    def reaches_behind_in(self, phrase: str) -> bool:
        """True when a phrase says, undenied, that the impact reached behind ("smashed")."""
        return any(
            _affirmed(self.reach_behind_words, c, self.denials)
            for c in _CLAUSE.split(_normal(phrase))
        )

    def unabbreviated(self, text: str) -> str:
        """The words with the dots of ``abbreviations`` dropped ("req. replacement"), so they
        end no sentence; line breaks are kept (they end one)."""
        out = text
        for word in self.abbreviations:
            out = re.sub(rf"(?<![\w'])({re.escape(word)})\.", r"\1", out, flags=re.IGNORECASE)
        return out

    def action(self, phrase: str) -> Literal["replace", "repair"] | None:
        """The one operation the words ask of a part, undenied; None for none or both."""
        clauses = _CLAUSE.split(_normal(phrase))
        asked = {
            op
            for op, words in self.action_words.items()
            if any(_affirmed(words, c, self.denials) for c in clauses)
        }
        return asked.pop() if len(asked) == 1 else None

    def end_of(self, phrase: str) -> Axle | None:
        """The one end of the car a part's words name ("boot emblem": rear), or None."""
        text = _normal(phrase)
        ends = [axle for axle, words in self.end_words.items() if _find(words, text)]
        return ends[0] if len(ends) == 1 else None

    def refit_asked(self, phrase: str) -> bool:
        """True when the words ask only for the part to be taken off and put back ("Grille -
        R&I 0.3h", "tail lamp to be reused"): a refit word, undenied, and no damage word."""
        clauses = _CLAUSE.split(_normal(phrase))
        return any(_affirmed(self.refit_words, c, self.denials) for c in clauses) and not any(
            _find(self.damage_words, c) or _find(self.action_words.get("replace", ()), c)
            for c in clauses
        )

    def sublet(self, phrase: str) -> bool:
        """True when the words send a part's work out to a specialist, not denied."""
        return any(
            _affirmed(self.sublet_words, c, self.denials) for c in _CLAUSE.split(_normal(phrase))
        )

    def paintless(self, phrase: str) -> bool:
        """True when the words ask for paintless repair ("PDR", "no paint"), not denied."""
        return any(
            _affirmed(self.paintless_words, c, self.denials) for c in _CLAUSE.split(_normal(phrase))
        )

    def stated_hours(self, phrase: str) -> list[tuple[str | None, Decimal]]:
        """The hours the words give ("repair 2.0h", "2 hrs"), each with the operation word
        before it (or after it, or None). An estimator's line may give them bare, as its last
        column after the operation ("Blend | N/S rear door | 0.6"): one decimal, line end."""
        text = _normal(phrase)
        ops = [
            (s, e, op)
            for op, words in self.stated_hours_words.items()
            for s, e, _ in _find(words, text)
        ]
        out: list[tuple[str | None, Decimal]] = []
        found = list(_HOURS.finditer(text))
        if not found:
            bare = _BARE_HOURS.finditer(text)
            found = [m for m in bare if any(e <= m.start() for _, e, _ in ops)]
        for m in found:
            before = [(e, op) for s, e, op in ops if e <= m.start()]
            after = [(s, op) for s, e, op in ops if s >= m.end()]
            op = max(before)[1] if before else min(after)[1] if after else None
            out.append((op, round_hours(Decimal(m.group(1)))))
        return out

    def speaks_of(self, sentence: str) -> bool:
        """True when a sentence holds words the estimate reads per part (beyond the parts).

        Light and reach-behind words alone do not: they matter only beside a work
        instruction or a severity word (``reaches_behind``), and a sentence kept here
        is part of the cache key.
        """
        lists = (
            self.paintless_words,
            self.severity_words,
            self.work_words,
            self.sublet_words,
            *self.action_words.values(),
        )
        return bool(_HOURS.search(sentence)) or any(_find(w, sentence) for w in lists)


def load_evidence(path: str | Path | None = None) -> Evidence:
    """The packaged evidence words, or your own file at ``path``."""
    return load_data(Evidence, "evidence.json", path)


@dataclass(frozen=True, slots=True)
class Said:
    """What one report says to the estimator; empty when it says nothing beyond the parts."""

    no_blend: bool = False
    escalate: tuple[str, ...] = ()
    """The words of structure or deployed airbags: the estimate cannot cover them."""
    equipment: tuple[str, ...] = ()
    """Equipment ids the words name ("front radar": ``front_radar``), sorted."""
    hail: bool = False
    hail_count: int | None = None
    """The dents counted for the whole report, when one count is said."""
    phrases: tuple[str, ...] = ()
    """The sentences with a size, a count, 'loose' or a blend: the per-part facts."""
    safety: tuple[str, ...] = ()
    """The safety warnings the words call for (high voltage, steering and suspension)."""
    lacks: tuple[str, ...] = ()
    """Equipment ids the words say the car does not have ("no radar"), sorted."""
    itemised: bool = False
    """An estimator's itemised list (two or more lines that each ask an operation): its
    scope is what it lists, so parts it does not list are at most possible."""

    def clause_of(self, component: str) -> str:
        """A part's words and what follows them up to the next comma ("... loose and cracked")."""
        own = _normal(component)
        for sentence in self.phrases:
            at = sentence.find(own) if own else -1
            if at >= 0:
                rest = sentence[at + len(own) :]
                return f"{component} {_CLAUSE.split(rest)[0]}".strip()
        return component

    def heading_of(self, component: str) -> str:
        """The heading before a colon that a part's words follow ("Blend adj panels"), or ''."""
        own = _normal(component)
        for sentence in self.phrases:
            head, colon, rest = sentence.partition(":")
            if colon and own and own in rest:
                return head
        return ""

    def sentence_of(self, component: str) -> str:
        """The sentence of facts a part's words are in, or its words."""
        own = _normal(component)
        return next((p for p in self.phrases if own and own in p), own)

    def clause_around(self, component: str) -> str:
        """The clause a part's words are in, from the comma before them to the one after."""
        own = _normal(component)
        sentence = self.sentence_of(component)
        at = sentence.find(own) if own else -1
        if at < 0:
            return own
        starts = [m.end() for m in _CLAUSE.finditer(sentence, 0, at)]
        end = _CLAUSE.search(sentence, at + len(own))
        return sentence[(starts[-1] if starts else 0) : end.start() if end else len(sentence)]

    def segment(self, component: str, others: Iterable[str]) -> str:
        """A part's words with the words around them up to the next part named on either side.

        "N/S rear door: dent removal, no paint" gives the door all of it; in "front door
        PDR, rear door repaired" the front door's is "front door pdr,".
        """
        own = _normal(component)
        sentence = self.sentence_of(component)
        at = sentence.find(own) if own else -1
        if at < 0:
            return own
        start, end = 0, len(sentence)
        for other in {_normal(o) for o in others} - {own, ""}:
            j = sentence.find(other)
            while j >= 0:
                if j + len(other) <= at:
                    start = max(start, j + len(other))
                elif j >= at + len(own):
                    end = min(end, j)
                j = sentence.find(other, j + 1)
        return sentence[start:end]

    def blend_listed(self, component: str, evidence: Evidence) -> bool:
        """True when the last instruction before a part's words is a blend, not denied, and
        its own words say no damage or work: "blend the LF door and hood" blends the hood."""
        own = _normal(component)
        sentence = self.sentence_of(component)
        at = sentence.find(own) if own else -1
        if at <= 0 or _find(evidence.damage_words, own) or _find(evidence.work_words, own):
            return False
        before = sentence[:at]
        words = (*evidence.blend_words, *evidence.work_words, *evidence.damage_words)
        found = _find(words, before)
        if not found or found[-1][2] not in evidence.blend_words:
            return False
        clause = _CLAUSE.split(before)[-1]
        return not _find(evidence.no_blend, before) and not _find(evidence.denials, clause)

    def about(self, component: str) -> str:
        """A part's words, and the one sentence of facts that holds them, if any."""
        own = _normal(component)
        found = [p for p in self.phrases if own and own in p]
        return f"{component} {found[0]}" if len(found) == 1 else component


def read_evidence(damage: Sequence[DamagedPart] | str, evidence: Evidence) -> Said:
    """What the damage says beyond its parts, denials taken into account."""
    texts = [damage] if isinstance(damage, str) else [p.component for p in damage]
    sentences = [
        _normal(s) for t in texts for s in _SENTENCE.split(evidence.unabbreviated(t)) if s.strip()
    ]
    read = [_sentence(s, evidence) for s in sentences]
    hail = any(r.hail for r in read)
    counts = [r.hail_count for r in read if r.hail_count is not None]
    equipment = {e for r in read for e in r.equipment}
    return Said(
        lacks=tuple(sorted({e for r in read for e in r.lacks} - equipment)),
        itemised=sum(r.asking for r in read) >= 2,
        no_blend=any(r.no_blend for r in read),
        escalate=tuple(dict.fromkeys(w for r in read for w in r.escalate)),
        equipment=tuple(sorted(equipment)),
        hail=hail,
        hail_count=max(counts) if hail and counts else None,
        phrases=tuple(sorted({s for s, r in zip(sentences, read, strict=True) if r.fact})),
        safety=_safety(sentences, evidence),
    )


def _structure(clause: str, evidence: Evidence) -> list[str]:
    """The structural words of a clause, less those that name what the car hit ("reversed
    into a pillar", "along a concrete post"): ``hit_objects`` after a ``hit_cues`` word."""
    found = _affirmed(evidence.structural, clause, evidence.denials)
    if not found:
        return []
    hit = set()
    for start, _, phrase in _find(evidence.structural, clause):
        before = clause[:start].split()[-3:]
        if phrase in evidence.hit_objects and any(w in evidence.hit_cues for w in before):
            hit.add(phrase)
    return [p for p in found if p not in hit]


@dataclass(frozen=True, slots=True)
class _Sentence:
    """What one sentence says to the estimator (``read_evidence`` puts a report's together)."""

    no_blend: bool
    escalate: tuple[str, ...]
    equipment: frozenset[str]
    hail: bool
    hail_count: int | None
    fact: bool
    """It holds a size, a count, 'loose', a blend or other words read per part
    (``Evidence.speaks_of``): one of the report's per-part facts."""
    lacks: frozenset[str] = frozenset()
    """Equipment it says the car does not have ("no radar")."""
    asking: int = 0
    """Its clauses that ask an operation ("replace", "repair"): an itemised list's lines."""


_SENTENCES: OrderedDict[tuple[int, str], tuple[Evidence, _Sentence]] = OrderedDict()
_SENTENCES_LOCK = threading.Lock()


def _sentence(sentence: str, evidence: Evidence) -> _Sentence:
    """What one (normalised) sentence says, read once and kept (bounded, most recent last).

    Reports repeat their parts' words ("front bumper cracked") far more than they
    differ. Keyed by the evidence file's identity, kept beside it so the identity
    stays its own; the reading depends on nothing else.
    """
    key = (id(evidence), sentence)
    with _SENTENCES_LOCK:
        known = _SENTENCES.get(key)
        if known is not None and known[0] is evidence:
            _SENTENCES.move_to_end(key)
            return known[1]
    read = _read_sentence(sentence, evidence)
    with _SENTENCES_LOCK:
        _SENTENCES[key] = (evidence, read)
        if len(_SENTENCES) > SENTENCES_KEPT:
            _SENTENCES.popitem(last=False)
    return read


def _read_sentence(sentence: str, evidence: Evidence) -> _Sentence:
    clauses = _CLAUSE.split(sentence)
    opens_denied = bool(_find(evidence.denials, clauses[0]))
    escalate: list[str] = []
    equipment: set[str] = set()
    lacks: set[str] = set()
    no_blend = False
    for i, clause in enumerate(clauses):
        # A clause after an opening denial, naming no damage, is in its list.
        listed = i > 0 and opens_denied and not _find(evidence.damage_words, clause)
        no_blend |= bool(_find(evidence.no_blend, clause)) or bool(
            _find(evidence.blend_words, clause) and _find(evidence.denials, clause)
        )
        if listed:
            continue
        cosmetic = _find(evidence.cosmetic_words, clause) and not _find(
            evidence.deformed_words, clause
        )
        if not cosmetic:
            body = _without(evidence.not_structural, clause)
            escalate += _structure(body, evidence)
            escalate += _body_deformed(clause, evidence)
        bags = _affirmed(evidence.airbag_words, clause, evidence.denials)
        if bags and _find(evidence.deployed_words, clause):
            escalate.append(f"{bags[0]} deployed")
        # All equipment words at once: "rear PDC" is the rear's, not every "PDC".
        for phrase in _affirmed(evidence.equipment_words, clause, evidence.equipment_denials):
            equipment.update(evidence.equipment_words[phrase])
        if _find(evidence.equipment_denials, clause):
            for _, _, phrase in _find(evidence.equipment_words, clause):
                lacks.update(evidence.equipment_words[phrase])
    count = evidence.hail_count(sentence)
    fact = (
        evidence.size(sentence) is not None
        or bool(_find(evidence.loose, sentence))
        or bool(count)
        or bool(_find(evidence.blend_words, sentence))
        or evidence.speaks_of(sentence)
    )
    asking = (*evidence.work_words, *(w for ws in evidence.action_words.values() for w in ws))
    return _Sentence(
        no_blend=no_blend,
        escalate=tuple(escalate),
        equipment=frozenset(equipment),
        hail=bool(_find(evidence.hail.words, sentence)),
        hail_count=count,
        fact=fact,
        lacks=frozenset(lacks),
        asking=sum(1 for c in clauses if _find(asking, c)),
    )


def _body_deformed(clause: str, evidence: Evidence) -> list[str]:
    """A deformation said of the body ("the front end pushed in"), not of a part after it.

    The body word comes first: in "grille pushed in by the car in front" the car
    is the other one, and the grille the part pushed in.
    """
    bent = _affirmed(evidence.deformation_words, clause, evidence.denials)
    if not bent:
        return []
    first = _find(evidence.deformation_words, clause)[0][0]
    return bent if any(s < first for s, _, _ in _find(evidence.body_words, clause)) else []


def _safety(sentences: Sequence[str], evidence: Evidence) -> tuple[str, ...]:
    """The warnings of the safety words said and not denied, in the file's order."""
    out = []
    whole = " . ".join(sentences)
    for check in evidence.safety:
        if check.with_ and not _find(check.with_, whole):
            continue
        found = [
            w
            for s in sentences
            for clause in _CLAUSE.split(s)
            for w in _affirmed(check.words, clause, evidence.denials)
        ]
        if found:
            words = ", ".join(repr(w) for w in dict.fromkeys(found))
            out.append(check.warning.replace("{words}", words))
    return tuple(out)


_SENTENCE = re.compile(r"(?:\.(?!\d)|(?<!\d)\.|[;!?\n])+")
"""Sentence ends; a dot between digits ("2.0h", "5.5 cm") is a decimal point."""
_CLAUSE = re.compile(r",|\bbut\b|\bhowever\b|\bwhereas\b|\balthough\b")
_BARE_HOURS = re.compile(r"(?<![\w.,£$€/])(\d{1,2}\.\d)(?=[\s|]*(?:;|$))")
"""Hours as a line's last column, with no unit: one decimal, so no count, price or size."""
_HOURS = re.compile(r"(?<![\w.])(\d{1,2}(?:\.\d)?)\s*(?:h|hr|hrs|hour|hours)(?![a-z])")
_UNITS = {"mm": Decimal("0.1"), "cm": Decimal(1), "in": Decimal("2.54"), "inch": Decimal("2.54"),
          "inches": Decimal("2.54"), '"': Decimal("2.54")}  # fmt: skip
_MEASURE = re.compile(r"(\d+(?:\.\d+)?)(?:\s*(mm|cm|inches|inch|\")|(in))(?![a-z])")


def _normal(text: str) -> str:
    # "B post" is a pillar; "hit a post", "into a pillar" are things hit
    edits = [(at, 4, "pillar") for at in pillar_posts(text)]
    edits += [(at, 6, "post") for at in pillars_hit(text)]
    for at, n, word in sorted(edits, reverse=True):
        text = f"{text[: at - 1]} {word}{text[at + n :]}"
    return " ".join(text.casefold().replace("-", " ").replace("’", "'").split())


@functools.cache
def _pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w'])" + re.escape(_normal(phrase)) + r"(?![\w'])")


@functools.lru_cache(maxsize=1024)
def _longest_first(phrases: tuple[str, ...]) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """One pattern that matches where any of the phrases does, and the phrases longest first.

    Most clauses hold none of a class's words: one search then settles it, instead of
    one search per phrase (the reading of the evidence was a third of a report's CPU).
    """
    ordered = tuple(sorted(phrases, key=len, reverse=True))
    alternatives = "|".join(re.escape(_normal(p)) for p in ordered) or "(?!)"
    return re.compile(r"(?<![\w'])(?:" + alternatives + r")(?![\w'])"), ordered


def _find(phrases: Iterable[str], text: str) -> list[tuple[int, int, str]]:
    """Every phrase found, longest first, none inside another: (start, end, phrase)."""
    anywhere, ordered = _longest_first(phrases if isinstance(phrases, tuple) else tuple(phrases))
    if anywhere.search(text) is None:
        return []
    taken: list[tuple[int, int, str]] = []
    for phrase in ordered:
        for m in _pattern(phrase).finditer(text):
            if not any(m.start() < e and s < m.end() for s, e, _ in taken):
                taken.append((m.start(), m.end(), phrase))
    return sorted(taken)


def _without(phrases: Iterable[str], text: str) -> str:
    """``text`` with every phrase found blanked out (spans kept)."""
    for start, end, _ in _find(phrases, text):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _affirmed(phrases: Iterable[str], clause: str, denials: Iterable[str]) -> list[str]:
    """The phrases said in a clause with no denial outside them ("not driveable" is one)."""
    found = _find(phrases, clause)
    if not found:
        return []
    spans = [(s, e) for s, e, _ in found]
    denied = [
        d for s, e, d in _find(denials, clause) if not any(a <= s and e <= b for a, b in spans)
    ]
    if denied:
        return []
    return [p for _, _, p in found]


def _measure(text: str) -> Decimal | None:
    """The largest measure said ("5 cm", "50mm", "2 inch"), in centimetres."""
    found = [Decimal(n) * _UNITS[unit or bare] for n, unit, bare in _MEASURE.findall(text)]
    return max(found) if found else None
