"""A plan: what a planner hands the pricer, the resolved vehicle and the parts it needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .._exceptions import UsageError
from .._markets import Market
from .._models import DamagedPart, Position, ReportWarning, Severity, Vehicle
from .._reading.results import Guess, UnreadPhrase
from .._reading.vehicle import ManufacturerRef, ModelRef, VehicleResolution
from .propagation import RuleSet, load_rules
from .report import CategoryRef, LineReason, LineSource

__all__ = ["Need", "Plan", "PlanRequest", "resolved_refs"]


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


@dataclass(frozen=True, slots=True)
class PlanRequest:
    vehicle: Vehicle
    damage: Sequence[DamagedPart] | str
    market: str | Market
    """The report's market: a Market (``str(market)`` is its code) or a packaged one's code."""
    secondary_parts: RuleSet = field(default_factory=load_rules)
    """The secondary-part rules to apply: the agent passes its EstimateData's."""


@dataclass(slots=True)
class Plan:
    resolution: VehicleResolution
    needs: list[Need]
    warnings: list[ReportWarning | str] = field(default_factory=list)
    """What the report should say; a plain string (a planner of your own) is a ``planner_note``."""
    trace: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)
    incomplete: bool = False
    """True when the planner could not read part of the catalog: the report is not cached."""
    unread: list[UnreadPhrase] = field(default_factory=list)
    """Phrases of the report that are not priced (the story, parts the catalog lacks)."""
    total_loss: tuple[str, ...] = ()
    """The words that say the vehicle may be a total loss ("written off"); empty if none."""

    @property
    def manufacturer(self) -> ManufacturerRef:
        return resolved_refs(self.resolution)[0]

    @property
    def model(self) -> ModelRef:
        return resolved_refs(self.resolution)[1]


def resolved_refs(resolution: VehicleResolution) -> tuple[ManufacturerRef, ModelRef]:
    """The manufacturer and model of a resolved vehicle (planners only plan resolved ones)."""
    if resolution.manufacturer is None or resolution.model is None:
        raise UsageError("a plan needs a resolved vehicle; use require_resolved()")
    return resolution.manufacturer, resolution.model
