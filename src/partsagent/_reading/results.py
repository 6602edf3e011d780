"""What reading a damage report gives: parts with a confidence, the phrases left unread,
and one component mapped onto the catalog."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from .._models import NOWHERE, Category, Position, ReportWarning, Severity, WarningCode

if TYPE_CHECKING:  # the lexicon loads on first reading, not on `import partsagent`
    from .vocabulary import AbsentPart

__all__ = [
    "ABSENT_PREFIX",
    "ComponentCandidate",
    "ComponentMatch",
    "Guess",
    "MatchedCategory",
    "ReadPart",
    "Reading",
    "UnreadPhrase",
    "UnreadReason",
    "WarningCode",
    "absent_category",
]

UnreadReason = Literal[
    "no_part", "not_in_catalog", "low_confidence", "undamaged", "pre_existing", "operation"
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Guess(_Out):
    """A category the phrase may mean, where, and how sure the reading is (0 to 1)."""

    category_id: str
    category_name: str
    position: Position = NOWHERE
    confidence: float


class UnreadPhrase(_Out):
    """A phrase of the report that is not priced: it names no part, or none surely enough.

    ``reason``: "no_part" (what happened, not what is damaged: "rear ended at
    the lights"), "not_in_catalog" (a part the catalog has no category for:
    wheels, sills, a rear arch liner when the catalog's is a front one),
    "low_confidence" (a guess under the price threshold: see ``guesses``),
    "undamaged" ("the wing liner is fine"), "pre_existing" (damage the words call old:
    "old scratch on the bumper", "was already there") or "operation" (work asked on a
    part not said to be damaged: "R&I grille", "check the sensors"; see ``action_hint``).
    For the last two, ``guesses`` holds the part read.
    """

    phrase: str
    reason: UnreadReason
    note: str
    guesses: tuple[Guess, ...] = ()
    structural: bool = False
    """The phrase names part of the body's structure (pillar, sill, chassis leg, scuttle,
    suspension): no estimate covers it; the car needs inspection."""
    action_hint: Literal["refit", "check"] | None = None
    """For reason "operation": remove and refit (R&I, transfer) or check (inspect, test)."""


@dataclass(frozen=True, slots=True)
class ReadPart:
    """One physical part read from the report (a pair is two of these)."""

    phrase: str
    """The user's words that named it."""
    category: Category
    position: Position
    quantity: int
    severity: Severity
    severity_from: Literal["words", "given", "default"]
    confidence: float
    notes: tuple[str, ...] = ()
    """What the reading explains ("N/S means left in GB")."""
    warnings: tuple[ReportWarning, ...] = ()
    """What the user should check ("'bumper' could mean ... ; name the part more precisely")."""
    ambiguous: bool = False
    """Nothing in the words chose between categories: a default or a tie."""
    guesses: tuple[Guess, ...] = ()
    """Other categories the words could mean, best first (for "please confirm")."""
    paint_intact: bool = False
    """The words say its paint is sound ("dented, paint intact", "PDR"): nothing to refinish."""
    damage_kinds: tuple[str, ...] = ()
    """The kinds of damage said of it ("tear", "crease"; lexicon ``damage_kinds``), sorted:
    the repair policy may replace a part for them (policy.json ``damage_rows``)."""


@dataclass(frozen=True, slots=True)
class Reading:
    """A whole report read: the parts, the unread phrases, total-loss words, notes."""

    parts: tuple[ReadPart, ...]
    unread: tuple[UnreadPhrase, ...]
    labour: tuple[ReadPart, ...] = ()
    """Damaged panels the catalog has no category for that a body shop works on in place
    (lexicon ``absent_parts`` marked ``labour``: roof, quarter panel, sill...): priced as
    labour, their category an ``absent-`` one. Each is in ``unread`` too (not in catalog)."""
    total_loss: tuple[str, ...] = ()
    """The phrases that say the vehicle may be a total loss ("written off", "rolled over")."""
    notes: tuple[ReportWarning, ...] = ()
    """What the reader wants the user to see about the whole report (free text read, old damage)."""
    understood: bool = True
    """False when not one word was known: no part, no story, no damage word ("zzz qqq")."""


class MatchedCategory(_Out):
    id: str
    name: str


class ComponentCandidate(_Out):
    id: str
    name: str
    score: float


class ComponentMatch(_Out):
    """One component of a report mapped onto the catalog.

    ``status`` "matched": ``category`` is the part. "ambiguous": ``category`` is
    the best guess and ``candidates`` the others to choose from (or the reading
    is under the price threshold). "unknown": no category is meant (the words
    name no part, or one the catalog lacks); ``notes`` say why. ``score`` is
    the reading's confidence times 100.
    """

    component: str
    status: Literal["matched", "ambiguous", "unknown"]
    category: MatchedCategory | None = None
    position: Position = NOWHERE
    score: float = 0.0
    candidates: tuple[ComponentCandidate, ...] = ()
    notes: tuple[str, ...] = ()


ABSENT_PREFIX = "absent-"
"""The id of a part the catalog lacks, priced as labour only: the prefix and its name's slug."""


def absent_category(part: AbsentPart) -> Category:
    """A part the catalog lacks as a category of its own, for its labour to be priced
    (``absent-roof``, ``absent-rear-wing-quarter``): never searched in the catalog."""
    slug = re.sub(r"[^a-z0-9]+", "-", part.name.casefold()).strip("-")
    return Category(id=f"{ABSENT_PREFIX}{slug}"[:64], name=part.name, group="Body")
