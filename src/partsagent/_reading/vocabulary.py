"""The words of damage reports, as data: a language's ``lexicon.json``, loaded once and validated.

Everything a body-shop estimator would want to change without touching code
lives in the language's folder (``words/<code>/lexicon.json``; English in
``words/en/``): stop and filler words, severity words, side and axle words,
estimators' abbreviations (F/B, O/S/F, W/S), UK/US folds, plural endings, count
words, narrative and total-loss phrases, parts the catalog may not have, and the
confidence factors. This module only checks the file's shape (``Lexicon``);
``language.py`` loads a language and hands its tables to the reading.

Sides depend on the market (``markets.json``: its ``drive``). A right-hand-drive
market (GB, IE, AU) puts the driver on the right: driver = right = offside,
passenger = left = nearside. A left-hand-drive one (US) puts the driver on the
left: driver = left, passenger = right. The nearside is always the kerb side;
the offside is the other one. A market's words for parts are there too.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .._datafile import DataFile, load_data, parse_data
from .._exceptions import InputError, UsageError
from .._models import Axle, Severity

__all__ = [
    "LEXICON",
    "AbsentPart",
    "ConfidenceFactors",
    "Lexicon",
    "MovedNotRolled",
    "Plurals",
    "PositionWord",
    "load_lexicon",
]

SideWord = Literal["left", "right", "nearside", "offside", "driver", "passenger"]
LEXICON_FILE = "lexicon.json"


class PositionWord(DataFile):
    """A token that names an axle, a side word, or both ("osf" = offside front)."""

    axle: Axle | None = None
    side: SideWord | None = None
    strict: bool = False
    """An everyday word ("left", "driver") that is a side only next to a part or "side"."""


class AbsentPart(DataFile):
    """A part reports name that a catalog may not have (wheels, sills, roof): never a guess."""

    name: str
    us_name: str
    words: tuple[str, ...] = Field(min_length=1)
    sided: bool = False
    axle: Axle | None = None
    structural: bool = False
    """Part of the body's structure (pillar, sill, chassis leg, suspension): the estimate
    cannot cover it; the car needs inspection (``UnreadPhrase.structural``)."""
    outer_of: str | None = None
    """The catalog assembly this is the outer piece of ("Door Mirror"): that assembly said
    with one of ``outer_words`` ("mirror housing scuffed") and only minor damage is this
    piece, never a new assembly; cracked or worse, it stays the assembly."""
    outer_words: tuple[str, ...] = ()
    labour: bool = False
    """A panel a body shop repairs and refinishes on the car (roof, quarter panel, sill): its
    damage is priced as labour operations (``Reading.labour``), with no part to buy."""


class StruckWords(DataFile):
    """A part the impact struck is damaged, story words around it or not: "TP hit IV in the
    LR door", "the front bumper was hit". The part that struck ("the other car's bumper hit
    my door") stays story."""

    impact: tuple[str, ...] = ()
    """Narrative words that are an impact on what follows them ("hit", "struck", "rammed")."""
    passive: tuple[str, ...] = ()
    """Words that turn an impact after the part back onto it ("was", "got": "bumper was hit")."""
    between: tuple[str, ...] = ()
    """Words that may stand between the impact and the part ("in the", "my", "IV")."""


class MovedNotRolled(DataFile):
    """ "rolled forward into a wall": a car that rolled somewhere moved; it did not roll over.

    A total-loss phrase ending in one of ``verbs`` followed by one of ``moving``,
    or in a sentence with a ``runaway`` phrase, is story, unless the clause ends
    somewhere cars roll over ("into a ditch").
    """

    verbs: tuple[str, ...] = ()
    moving: tuple[str, ...] = ()
    rollover_places: tuple[str, ...] = ()
    runaway: tuple[str, ...] = ()
    """Words of a sentence about a car left to roll ("the handbrake failed")."""


class PluralEnding(DataFile):
    """A plural ending and what its singular ends with ("ies" -> "y": "bodies" is "body")."""

    ending: str = Field(min_length=1)
    becomes: str = ""
    unless: tuple[str, ...] = ()
    """Endings that look plural and are not ("glass", "chassis", "bus")."""
    min_length: int = Field(default=4, ge=1)
    """The shortest word the ending is folded in."""


class Plurals(DataFile):
    """How this language's plurals fold to their singular: the first ending that fits wins."""

    endings: tuple[PluralEnding, ...] = ()
    never: tuple[str, ...] = ()
    """Words that are their own singular ("lens", "series", "always")."""


class ConfidenceFactors(DataFile):
    """How sure a reading is: a base per kind of match, times a factor per doubt.

    docs/reading.md explains each factor; bench/quality.py checks the result is
    calibrated (at 0.9 and above, at least 95% right).
    """

    price_threshold: float = Field(ge=0, le=1)
    match: dict[Literal["term", "head", "modifier"], float]
    typo: float
    choice: dict[Literal["unique", "axle", "context", "default", "tie"], float]
    axle_conflict: float
    narrative_without_damage: float
    location_detail: float
    no_side: float
    side_from_context: float
    unexplained_words: float


class Lexicon(DataFile):
    """The validated content of lexicon.json (see its description field)."""

    format: Literal["partsagent-lexicon/1"]
    description: str = ""
    plurals: Plurals = Plurals()
    """Plural endings folded to the singular (none: every word is read as written)."""
    stop_words: tuple[str, ...] = ()
    known_words: tuple[str, ...] = ()
    filler: tuple[str, ...] = ()
    echo_words: tuple[str, ...] = ()
    generic_words: tuple[str, ...] = ()
    weak_words: tuple[str, ...] = ()
    not_part_words: tuple[str, ...] = ()
    severity: dict[Severity, tuple[str, ...]]
    inner_adverbs: tuple[str, ...] = ()
    """Words inside a phrase that do not change it: "ripped clean off" is "ripped off"."""
    intensity: dict[str, Severity] = Field(default_factory=dict)
    """Words that move the damage word after them ("badly dented", "slightly scuffed"): a
    raiser takes the worse of the two, a softener lowers a severe word one level and a
    ``softenable`` one ("minor damage") to minor; a dent or a crack stays a dent or a crack."""
    softenable: tuple[str, ...] = ()
    damage_nouns: tuple[str, ...] = ()
    """Damage said as a noun ("scratch", "knock"): only before one of these is a word that
    is both a part and an intensity ("light") an adjective ("a light knock"); before a
    participle it is the part ("light cracked", "lamp broken")."""
    countable_parts: tuple[str, ...] = ()
    """Parts several to an axle: "two sensors" is a quantity, "both bumpers" front and rear."""
    located_parts: tuple[str, ...] = ()
    """One-piece parts made in halves on some cars (split and kidney grilles): a side said
    with them is kept as where the damage is ("O/S grille"), never made a pair."""
    damage_kinds: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """Damage words by what they do to a part ("tear": split, torn, broken tabs; "crease":
    creased, kinked, stretched): the repair policy may replace a part for its kind of
    damage whatever its severity (policy.json ``damage_rows``)."""
    positions: dict[str, PositionWord] = Field(default_factory=dict)
    trailing_positions: dict[str, PositionWord] = Field(default_factory=dict)
    """Letters that are a side only right after a part and before what is said of it
    ("fender L dented", "door R, scraped"); elsewhere a lone "l" or "r" names nothing."""
    side_labels: dict[SideWord, str] = Field(default_factory=dict)
    direction_words: tuple[str, ...] = ()
    axle_letters: dict[str, Axle] = Field(default_factory=dict)
    abbreviations: dict[str, str] = Field(default_factory=dict)
    folds: dict[str, str] = Field(default_factory=dict)
    counts: dict[str, int] = Field(default_factory=dict)
    """How many a word says; 0 is "every one the vehicle has" ("all doors")."""
    clause_words: tuple[str, ...] = ()
    coordinators: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()
    comparisons: tuple[str, ...] = ()
    """Words that open a comparison ("the size of", "bigger than"; "as big as" is read by
    its grammar): what follows is a measure, never a part ("a dent the size of a plate")."""
    """Coordinators of a choice ("or"): a list after a denial is denied whole ("no damage to
    the mirrors, wheels or sills"), but "left or right" is not both sides."""
    locatives: tuple[str, ...] = ()
    landmarks: tuple[str, ...] = ()
    """Words that make the next part a landmark, not the damage ("a dent near the windscreen")."""
    narrative: tuple[str, ...] = ()
    struck: StruckWords = StruckWords()
    total_loss: tuple[str, ...] = ()
    moved_not_rolled: MovedNotRolled = MovedNotRolled()
    negators: tuple[str, ...] = ()
    """Words that deny the damage or total loss after them ("not cracked", "not a write off")."""
    negation_gap: tuple[str, ...] = ()
    working: tuple[str, ...] = ()
    paperwork: tuple[str, ...] = ()
    column_headings: tuple[str, ...] = ()
    """The heading row of an estimator's table ("Part | Side | Op"): a line of only these
    words is no story and no part to confirm."""
    """Words of the claim's handling ("insurer approved", "authorised"): a sentence of them
    with no part is story, never a part to confirm."""
    """Words that say a part works when they follow it ("parking sensor still beeps", "camera
    working"): a denial of its damage there, but not elsewhere ("body work needed")."""
    """Words that may stand between a negator and what it denies ("not going to be")."""
    negatable: tuple[str, ...] = ()
    """Words that, denied, say a part is fine ("wasn't touched", "didn't get hit")."""
    free_of: tuple[str, ...] = ()
    """Words after a damage word that deny it ("crease-free", "rust free", "dent free")."""
    negation_links: tuple[str, ...] = ()
    """Words that tie a negation to the part after it ("no damage to the bonnet")."""
    postmodifier_links: tuple[str, ...] = ()
    """Words after a part that name what it belongs to ("splash guard under the engine")."""
    anaphors: dict[str, Literal["side", "corner"]] = Field(default_factory=dict)
    """Phrases that name the side (and corner axle) named last ("on that side")."""
    negations: tuple[str, ...] = ()
    paint_words: tuple[str, ...] = ()
    """Words for the finish: denied ("no paint damage", "paint intact"), the paint is sound."""
    paint_intact: tuple[str, ...] = ()
    """Words that say the finish is sound by themselves ("PDR", "paintless")."""
    body_words: tuple[str, ...] = ()
    body_after_vehicle: tuple[str, ...] = ()
    absent_parts: tuple[AbsentPart, ...] = ()
    referring_words: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """A bare word read as one part by default ("screen": the windscreen) that, in a report
    naming one of these ``absent_parts`` ("rear window smashed ... sublet screen"), is that
    part said again: not a second part to price."""
    not_parts: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """Things a report names that are never a part to price, by kind (warning lights on the
    dash, other vehicles of the story, coins a dent is compared to): read as story."""
    comparison_suffixes: tuple[str, ...] = ()
    """Words after a thing that make it a measure ("quarter-sized", "fist size dent")."""
    pre_existing: tuple[str, ...] = ()
    """Words that date the damage before this claim ("old scratch", "already there"): its
    parts are listed, not priced."""
    actions: dict[Literal["refit", "check"], tuple[str, ...]] = Field(default_factory=dict)
    """Work asked on a part not said to be damaged ("R&I grille", "check the sensors"): the
    part is not bought; the estimate may add the operation (``UnreadPhrase.action_hint``)."""
    asked_work: dict[Literal["replace", "repair"], tuple[str, ...]] = Field(default_factory=dict)
    """Words that ask for a new part or a repair, in the shorthand of estimators and
    adjusters ("req repl", "R&R", "renew", "rplc", "rpr"): the part is damaged (read as firmly
    as with a damage word), how badly is not said; the estimate reads the operation asked."""
    dotted_words: tuple[str, ...] = ()
    """Words written with a dot that ends no sentence ("req. repl.", "approx."): the dot
    does not cut the part from what is asked of it."""
    story_axles: dict[str, Axle] = Field(default_factory=dict)
    """Story phrases that say where the car was hit ("from behind"): the axle of the parts
    that have none of their own."""
    confidence: ConfidenceFactors

    @field_validator("severity")
    @classmethod
    def _every_level(
        cls, value: dict[Severity, tuple[str, ...]]
    ) -> dict[Severity, tuple[str, ...]]:
        if set(value) != set(Severity):
            raise ValueError("severity must list words for minor, moderate and severe")
        seen: dict[str, Severity] = {}
        for level, words in value.items():
            for w in words:
                if seen.setdefault(w, level) != level:
                    raise ValueError(f"{w!r} is both {seen[w].value} and {level.value}")
        return value

    @field_validator("positions")
    @classmethod
    def _names_something(cls, value: dict[str, PositionWord]) -> dict[str, PositionWord]:
        empty = [k for k, p in value.items() if p.axle is None and p.side is None]
        if empty:
            raise ValueError(f"position words name neither axle nor side: {empty}")
        return value

    @model_validator(mode="after")
    def _refers_to_absent_parts(self) -> Lexicon:
        names = {p.name for p in self.absent_parts}
        unknown = sorted({n for ns in self.referring_words.values() for n in ns} - names)
        if unknown:
            raise ValueError(f"referring_words name parts absent_parts lacks: {unknown}")
        return self


def load_lexicon(text: str | bytes, where: str = LEXICON_FILE) -> Lexicon:
    """Validate a lexicon document; a broken file is the developer's mistake (UsageError)."""
    try:
        return parse_data(Lexicon, text, where)
    except InputError as exc:
        raise UsageError(str(exc)) from None


LEXICON = load_data(Lexicon, f"words/en/{LEXICON_FILE}")
"""The shipped English lexicon, the vocabulary's own language, read once."""
