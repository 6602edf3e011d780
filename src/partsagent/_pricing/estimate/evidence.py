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
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..._datafile import DataFile, load_data
from ..._models import Axle, Severity
from ._data import DataId, Hours, check_equipment, round_hours
from ._phrases import (
    BARE_HOURS,
    CLAUSE,
    HOURS,
    OP_HOURS,
    affirmed_phrases,
    find_phrases,
    measure_cm,
    normalised,
    without_phrases,
)
from .policy import DecidedOperation

__all__ = ["DentSize", "Evidence", "SafetyCode", "load_evidence"]

Phrases = tuple[Annotated[str, Field(min_length=1)], ...]

WORDS_KEPT = 4096
"""Texts whose dent size words are kept per evidence file (most recent)."""


class Equipment(DataFile):
    id: DataId
    equipment: Annotated[tuple[str, ...], Field(min_length=1)]
    """The catalog's equipment ids the words stand for (``windscreen_camera``)."""
    words: Phrases

    @model_validator(mode="after")
    def _known_equipment(self) -> Equipment:
        check_equipment(f"equipment {self.id}", self.equipment)
        return self


SafetyCode = Literal[
    "safety_check",
    "do_not_drive",
    "measure_check",
    "alignment_check",
    "tyre_check",
    "pre_existing",
]
"""The warning codes a safety check may carry (docs/output.md)."""


class Safety(DataFile):
    """Words that call for a check no parts estimate covers (high voltage, geometry, a tyre)."""

    id: DataId
    code: SafetyCode = "safety_check"
    """The warning's code: what a program acts on (a do-not-drive flag, a tyre check)."""
    words: Phrases = ()
    with_: Phrases = Field(default=(), alias="with")
    """When given, one of these words must also be said ("EV" with "underbody")."""
    parts: Phrases = ()
    not_parts: Phrases = ()
    """Phrases blanked before ``parts`` are looked for ("wheel arch", "steering wheel")."""
    hits: Phrases = ()
    """A ``parts`` word with a ``hits`` word in its clause, neither denied, calls for the
    check too ("N/S front wheel took the hit", "alloy kerbed"): what was hit, and how."""
    structural: bool = False
    """The structural words of the banner call for it too (a body measure after a bent leg)."""
    warning: Annotated[str, Field(min_length=1)]
    """The warning; ``{words}`` is replaced by the words found."""

    @model_validator(mode="after")
    def _has_words(self) -> Safety:
        if not (self.words or (self.parts and self.hits) or self.structural):
            raise ValueError(f"safety {self.id}: give 'words', 'parts' with 'hits', or structural")
        return self


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
    same_words: Phrases = ()
    """Words that give a panel the count said of the panel before ("roof the same", "and
    the boot lid too"); a panel with no count and none of these has no count said."""

    def band(self, count: int) -> HailBand:
        return next(b for b in self.bands if b.up_to is None or count <= b.up_to)

    @model_validator(mode="after")
    def _open_ended(self) -> Hail:
        if self.bands[-1].up_to is not None:
            raise ValueError("the last hail band has no 'up_to'")
        return self


class TabRepair(DataFile):
    """A broken mounting tab or lug repaired (plastic welded, or a maker's tab kit): the part
    is kept, so it is neither bought nor refinished unless the words ask for paint too."""

    words: Phrases
    hours: Hours
    """Hours per tab (or lug) repaired."""


class RepairableStructure(DataFile):
    """Structure a body shop repairs as a panel: a sill dent with its repair said ("rocker
    dinged, rpr 1.0 h") is a repair, not a banner; pushed in, kinked or crushed it is
    structure. Its words escalate unless their clause has a ``repair_words`` word and no
    ``escalate_words`` word."""

    words: Phrases
    repair_words: Phrases
    escalate_words: Phrases


class PositionAction(DataFile):
    """A word that is a position or an operation ("R/R": the right rear, or remove and
    replace): the operation wherever the part read does not stand at that position."""

    operation: Literal["replace", "repair", "refinish"]
    axle: Axle
    side: Literal["left", "right"]


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
    repairable_structure: RepairableStructure | None = None
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
    action_words: dict[Literal["replace", "repair", "refinish"], Phrases] = {}
    """Words that ask for an operation on a part ("replace", "reuse"): they win over the
    severity's policy row."""
    position_actions: dict[str, PositionAction] = {}
    """Words that ask an operation only of a part not at the position they also name ("R/R
    front bar" replaces the bar; "R/R door" is the right rear door)."""
    abbreviations: Phrases = ()
    """Words written with a dot that ends no sentence ("req.", "repl.", "approx.")."""
    sublet_words: Phrases = ()
    """Words that send a part's work to a specialist ("sublet screen", "glass company")."""
    end_words: dict[Axle, Phrases] = {}
    """Words that put a part with no axle of its own at one end ("tailgate badge": rear)."""
    refit_words: Phrases = ()
    work_fillers: Phrases = ()
    """Words that carry no part beside work words ("only", "req", "hrs"): a phrase of work
    words and these alone ("tab repair only, refit") names no part to confirm."""
    """Words that keep a part and put it back ("R&I", "transfer", "reuse", "for access")."""
    tab_repair: TabRepair | None = None
    """Words that ask for a tab repair ("tab repair", "weld the lugs") and its hours."""
    dent_count_default_size: DataId | None = None
    """The dent size paintless repair is timed at when the words give none."""
    stated_hours_words: dict[DecidedOperation | Literal["blend", "check"], Phrases] = {}
    """The operation words hours given in the text belong to ("repair 2.0h"); "check" holds
    calibrations and aims ("radar calibration 0.8h"): their hours are never a part's own."""

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
        return {normalised(w): e.equipment for e in self.equipment for w in e.words}

    def size(self, phrase: str) -> DentSize | None:
        """The dent size a part's words give, by measure first, else the largest size word."""
        text = normalised(phrase)
        found = self._measured(text) or self._worded_kept(text)
        return found[-1] if found else None

    def sizes_in(self, phrase: str) -> list[DentSize]:
        """Every size a phrase names, by measure and by words."""
        text = normalised(phrase)
        return [*self._measured(text), *self._worded_kept(text)]

    def _measured(self, text: str) -> list[DentSize]:
        cm = measure_cm(text)
        if cm is None:
            return []
        return [next(s for s in self.dent_sizes if s.up_to_cm is None or cm <= s.up_to_cm)]

    @functools.cached_property
    def _worded_kept(self) -> functools._lru_cache_wrapper[tuple[DentSize, ...]]:
        """``_worded``, kept per text (bounded): a part's words are asked their size twice a
        report, and reports repeat their parts' words. Each file keeps its own."""
        return functools.lru_cache(maxsize=WORDS_KEPT)(self._worded)

    def _worded(self, text: str) -> tuple[DentSize, ...]:
        # "as big as an orange" is the orange's size, not "big".
        plain = text
        for start, end, _ in reversed(find_phrases(self.comparison_cues, text)):
            plain = plain[:start] + " " * (end - start) + plain[end:]
        return tuple(
            s
            for s in self.dent_sizes
            if find_phrases(s.words, plain)
            or any(self._compared(text, a, b) for a, b, _ in find_phrases(s.objects, text))
        )

    def _compared(self, text: str, start: int, end: int) -> bool:
        """True when the object at ``text[start:end]`` is in a comparison ("size of a ...")."""
        before = " ".join(text[:start].split()[-4:])
        after = " ".join(text[end:].split()[:1])
        return bool(find_phrases(self.comparison_cues, before)) or after in ("size", "sized")

    def denies(self, phrase: str) -> bool:
        """True when a phrase says its part is not damaged ("airbags did not go off")."""
        return bool(find_phrases(self.denials, normalised(phrase)))

    def only_equipment(self, phrase: str) -> bool:
        """True when a phrase says the car carries equipment and names no damage.

        "The mirror has the 360 camera", "radar behind the badge": a carrying word
        (``equipment_cues``) is needed, so a part listed bare ("front parking sensor",
        its severity given apart) is still damaged.
        """
        text = normalised(phrase)
        return (
            bool(find_phrases(self.equipment_words, text))
            and bool(find_phrases(self.equipment_cues, text))
            and not find_phrases(self.damage_words, text)
            and not find_phrases(self.loose_damage_words, text)
        )

    def is_blend_target(self, phrase: str) -> bool:
        """True when a part's words are a blend instruction and name no damage to it.

        "blend into the LF door", "Blend adj panels: N/S rear door": the door is
        blended for the colour, not damaged, bought or refinished.
        """
        text = normalised(phrase)
        head = text.split(":")[0] if ":" in text else text
        return (
            bool(find_phrases(self.blend_words, head))
            and not find_phrases(self.damage_words, text)
            and not find_phrases(self.work_words, text)
            and not find_phrases(self.no_blend, text)
        )

    def blended_after(self, component: str, segment: str) -> bool:
        """True when a blend word follows a part's words in their clause ("N/S rear door -
        blend", "rear door: blend 0.4h") and the segment names no damage or other work."""
        text, own = normalised(segment), normalised(component)
        at = text.find(own) if own else -1
        if at < 0:
            return False
        after = CLAUSE.split(text[at + len(own) :])[0]
        return (
            bool(find_phrases(self.blend_words, after))
            and not find_phrases(self.damage_words, text)
            and not find_phrases(self.work_words, text)
            and not find_phrases(self.no_blend, text)
            and not find_phrases(self.denials, text)
        )

    def is_loose(self, phrase: str) -> bool:
        """True when the words say the part came loose and name no damage to it."""
        clauses = CLAUSE.split(normalised(phrase))
        return any(find_phrases(self.loose, c) for c in clauses) and not any(
            affirmed_phrases(self.loose_damage_words, c, self.denials) for c in clauses
        )

    def hail_count(self, phrase: str) -> int | None:
        """The dents counted in a phrase ("12 dents", "dozens of"), or None."""
        text = normalised(phrase)
        counted = self.dent_count(text)
        if counted is not None:
            return counted
        counts = self.hail.counts
        if find_phrases(tuple(counts), text) == []:  # none of them: one search, not one per word
            return None
        said = [n for w, n in counts.items() if find_phrases((w,), text)]
        return max(said) if said else None

    def dent_count(self, phrase: str) -> int | None:
        """The dents a phrase counts by number ("3 dings", "two dents"), or None."""
        m = self._counted.search(normalised(phrase))
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
        text, own = normalised(sentence), normalised(clause)
        if self.reaches_behind_in(text):
            return True
        if find_phrases(self.light_impact_words, own):
            return False
        return bool(find_phrases(self.severity_words, text)) or not find_phrases(
            self.work_words, text
        )

    def reaches_behind_in(self, phrase: str) -> bool:
        """True when a phrase says, undenied, that the impact reached behind ("smashed")."""
        return any(
            affirmed_phrases(self.reach_behind_words, c, self.denials)
            for c in CLAUSE.split(normalised(phrase))
        )

    def unabbreviated(self, text: str) -> str:
        """The words with the dots of ``abbreviations`` dropped ("req. replacement"), so they
        end no sentence; line breaks are kept (they end one)."""
        anywhere, each = self._abbreviated
        if anywhere.search(text) is None:  # most texts: one search, not one per word
            return text
        out = text
        for pattern in each:
            out = pattern.sub(r"\1", out)
        return out

    @functools.cached_property
    def _abbreviated(self) -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
        """One pattern that matches where any abbreviation's does, and one per abbreviation,
        applied in the file's order (compiled once, not per text)."""
        each = tuple(
            re.compile(rf"(?<![\w'])({re.escape(w)})\.", re.IGNORECASE) for w in self.abbreviations
        )
        words = "|".join(re.escape(w) for w in self.abbreviations) or "(?!)"
        return re.compile(rf"(?<![\w'])(?:{words})\.", re.IGNORECASE), each

    def action(
        self, phrase: str, at: tuple[Axle | None, str | None] | None = None
    ) -> Literal["replace", "repair", "refinish"] | None:
        """The one operation the words ask of a part, undenied; None for none or both.
        ``at``: the part's (axle, side), where a ``position_actions`` word that does not
        place it there asks its operation."""
        clauses = CLAUSE.split(normalised(phrase))
        asked = {
            op
            for op, words in self.action_words.items()
            if any(affirmed_phrases(words, c, self.denials) for c in clauses)
        }
        if at is not None:
            asked |= {
                act.operation
                for word, act in self.position_actions.items()
                if (act.axle, act.side) != at
                and any(affirmed_phrases((word,), c, self.denials) for c in clauses)
            }
        return asked.pop() if len(asked) == 1 else None

    def only_work(self, phrase: str) -> bool:
        """True when the words only ask work ("renew", "R&I", "tab repair only, refit") of a
        part read elsewhere: nothing is left once work words, fillers and numbers go."""
        work = (
            *self.work_words,
            *self.refit_words,
            *(w for ws in self.action_words.values() for w in ws),
            *(w for ws in self.stated_hours_words.values() for w in ws),
            *(self.tab_repair.words if self.tab_repair else ()),
            *self.position_actions,
        )
        text = normalised(phrase)
        if not find_phrases(work, text):
            return False
        rest = without_phrases(self.work_fillers, without_phrases(work, text))
        return not re.sub(r"[\d.,;:/&+()\-]", " ", rest).split()

    def end_of(self, phrase: str) -> Axle | None:
        """The one end of the car a part's words name ("boot emblem": rear), or None."""
        text = normalised(phrase)
        ends = [axle for axle, words in self.end_words.items() if find_phrases(words, text)]
        return ends[0] if len(ends) == 1 else None

    def refit_asked(self, phrase: str) -> bool:
        """True when the words ask only for the part to be taken off and put back ("Grille -
        R&I 0.3h", "tail lamp to be reused"): a refit word, undenied, and no damage word."""
        clauses = CLAUSE.split(normalised(phrase))
        return any(
            affirmed_phrases(self.refit_words, c, self.denials) for c in clauses
        ) and not any(
            find_phrases(self.damage_words, c)
            or find_phrases(self.action_words.get("replace", ()), c)
            for c in clauses
        )

    def sublet(self, phrase: str) -> bool:
        """True when the words send a part's work out to a specialist, not denied."""
        return any(
            affirmed_phrases(self.sublet_words, c, self.denials)
            for c in CLAUSE.split(normalised(phrase))
        )

    @property
    def tab_hours(self) -> Decimal:
        """Hours per tab repaired (0 without a ``tab_repair`` table: none is ever asked)."""
        return self.tab_repair.hours if self.tab_repair is not None else Decimal(0)

    def tabs_repaired(self, phrase: str) -> int:
        """How many tabs the words ask to repair ("repair 2 tabs"): 0 when none is asked."""
        if self.tab_repair is None:
            return 0
        text = normalised(phrase)
        if not any(
            affirmed_phrases(self.tab_repair.words, c, self.denials) for c in CLAUSE.split(text)
        ):
            return 0
        m = _TABS.search(text)
        if m is None:
            return 1
        n = m.group(1)
        return int(n) if n.isdigit() else self.hail.numbers.get(n, 1)

    def paintless(self, phrase: str) -> bool:
        """True when the words ask for paintless repair ("PDR", "no paint"), not denied."""
        return any(
            affirmed_phrases(self.paintless_words, c, self.denials)
            for c in CLAUSE.split(normalised(phrase))
        )

    def stated_hours(self, phrase: str) -> list[tuple[str | None, Decimal]]:
        """The hours the words give ("repair 2.0h", "2 hrs"), each with the operation word
        before it (or after it, or None). An estimator's line may give them bare, as its last
        column after the operation ("Blend | N/S rear door | 0.6"): one decimal, line end."""
        text = normalised(phrase)
        ops = [
            (s, e, op)
            for op, words in self.stated_hours_words.items()
            for s, e, _ in find_phrases(words, text)
        ]
        out: list[tuple[str | None, Decimal]] = []
        found = list(HOURS.finditer(text))
        if not found:
            bare = BARE_HOURS.finditer(text)
            found = [m for m in bare if any(e <= m.start() for _, e, _ in ops)]
        # "repair 3.5, refinish": one decimal right after an operation word is its hours.
        for _, e, _ in ops:
            m = OP_HOURS.match(text, e)
            if m and not any(f.start() <= m.start(1) < f.end() for f in found):
                found.append(m)
        found.sort(key=lambda m: m.start(1))
        cuts = [0, *(c.start() for c in CLAUSE.finditer(text)), len(text)]
        for m in found:
            # An operation word in the hours' own clause wins ("paint, 1.1 hrs to calibrate").
            lo = max(c for c in cuts if c <= m.start(1))
            hi = min(c for c in cuts if c >= m.end())
            near = [(s, e, op) for s, e, op in ops if lo <= s and e <= hi]
            within = near or ops
            before = [(e, op) for s, e, op in within if e <= m.start(1)]
            after = [(s, op) for s, e, op in within if s >= m.end()]
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
            self.tab_repair.words if self.tab_repair is not None else (),
            self.paintless_words,
            self.severity_words,
            self.work_words,
            self.sublet_words,
            *self.action_words.values(),
        )
        return bool(HOURS.search(sentence)) or any(find_phrases(w, sentence) for w in lists)


_TABS = re.compile(
    r"\b(\d{1,2}|two|three|four|five|six)\s+(?:broken\s+|mounting\s+|fixing\s+)?(?:tabs|lugs)\b"
)
"""A count of tabs ("2 broken tabs", "three lugs")."""


def load_evidence(path: str | Path | None = None) -> Evidence:
    """The packaged evidence words, or your own file at ``path``."""
    return load_data(Evidence, "evidence.json", path)
