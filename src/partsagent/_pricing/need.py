"""A need: one line a plan asks the pricer for, below the plan and the estimate that read it."""

from __future__ import annotations

from dataclasses import dataclass

from .._models import Position, Severity
from .._reading.results import Guess
from .report import CategoryRef, LineReason, LineSource

__all__ = ["Need"]


@dataclass(frozen=True, slots=True)
class Need:
    """One line to price: a category at a position, with why it is needed."""

    component: str
    reason: LineReason
    category: CategoryRef
    position: Position
    quantity: int
    why: str
    source: LineSource
    confidence: float
    severity: Severity = Severity.MODERATE
    guesses: tuple[Guess, ...] = ()
    """What else the words could mean, best first: shown if the need is not priced."""
    paint_intact: bool = False
    """The report says the paint is sound: a repair needs no refinish (see ``decide``)."""
    damage_kinds: tuple[str, ...] = ()
    """The kinds of damage read ("tear", "crease"): the policy's ``damage_rows`` apply."""
    labour_only: bool = False
    """A panel the catalog has no part for (roof, quarter panel, sill: ``Reading.labour``):
    its repair and refinish are priced as labour; a new one is never searched in the
    catalog, its replacement is flagged to price by hand."""
    refit_only: bool = False
    """The words ask only for the part to be removed and refitted ("R&I grille", "transfer
    the sensors"): remove-and-refit labour, no part bought, not a damaged part."""
