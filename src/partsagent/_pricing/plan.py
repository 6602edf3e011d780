"""A plan: what a planner hands the pricer: the vehicle, the parts it needs, the build said."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .._exceptions import UsageError
from .._markets import Market
from .._models import DamagedPart, ReportWarning, Vehicle
from .._reading.build_cues import BuildCues, load_build_cues
from .._reading.results import UnreadPhrase
from .._reading.vehicle import ManufacturerRef, ModelRef, VehicleResolution
from .estimate.builds import BuildPreference, build_preference
from .estimate.evidence import Evidence, load_evidence
from .need import Need
from .propagation import RuleSet, load_rules

__all__ = ["Need", "Plan", "PlanRequest", "resolved_refs"]


@dataclass(frozen=True, slots=True)
class PlanRequest:
    vehicle: Vehicle
    damage: Sequence[DamagedPart] | str
    market: str | Market
    """The report's market: a Market (``str(market)`` is its code) or a packaged one's code."""
    secondary_parts: RuleSet = field(default_factory=load_rules)
    """The secondary-part rules to apply: the agent passes its EstimateData's."""
    build_cues: BuildCues = field(default_factory=load_build_cues)
    """The words that choose a build: the agent passes its EstimateData's."""
    evidence: Evidence = field(default_factory=load_evidence)
    """What words tell the estimator beyond the parts: the agent passes its EstimateData's."""

    def read_build(self, resolution: VehicleResolution) -> BuildPreference:
        """What the caller says of the build, and to the estimator, for the plan to carry.

        The one reading of the words beyond the parts: a planner calls it once it
        has resolved the vehicle (InputError for a ``variant_id`` not built).
        """
        return build_preference(
            self.vehicle,
            self.damage,
            resolution.variants,
            resolution.vin,
            self.build_cues,
            self.evidence,
        )


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
    build: BuildPreference | None = None
    """The build the caller asked for and what the words say beyond the parts
    (``PlanRequest.read_build``); None from a planner that did not read them."""

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
