"""The rules planner: offline, deterministic, and the default."""

from __future__ import annotations

from collections.abc import Sequence

from .._catalog.manager import BucketManager
from .._exceptions import InputError, PartsAgentError, UnresolvedVehicle, VehicleCandidate
from .._metrics import timer
from .._models import Category, DamagedPart
from .._pricing.plan import Need, Plan, PlanRequest, resolved_refs
from .._pricing.propagation import MappedDamage, analyze_damage_propagation
from .._pricing.report import CategoryRef
from .._reading.components import match_component
from .._reading.text import extract_components
from .._reading.vehicle import VehicleReading, VehicleResolution, resolve_vehicle

__all__ = ["RulesPlanner", "categories_for", "require_resolved"]


def require_resolved(resolution: VehicleResolution) -> VehicleResolution:
    """Refuse to guess: an unsettled vehicle raises UnresolvedVehicle with its candidates."""
    if (
        resolution.status != "resolved"
        or resolution.manufacturer is None
        or resolution.model is None
    ):
        raise UnresolvedVehicle(
            resolution.query or "the vehicle",
            [_candidate(c) for c in resolution.candidates],
            missing=resolution.missing or "make, model and year",
        )
    if not resolution.variants:
        raise InputError(
            f"the catalog lists no {resolution.manufacturer.name} {resolution.model.name} "
            f"variant for {resolution.year}; check the year"
        )
    return resolution


def _candidate(c: VehicleReading) -> VehicleCandidate:
    m = c.model
    return VehicleCandidate(
        name=f"{c.manufacturer.name} {m.name}" if m else c.manufacturer.name,
        score=c.score,
        make=c.manufacturer.name,
        manufacturer_id=c.manufacturer.id,
        model=m.name if m else None,
        model_id=m.id if m else None,
        year_from=m.year_from if m else None,
        year_to=m.year_to if m else None,
    )


async def categories_for(
    catalog: BucketManager, resolution: VehicleResolution
) -> tuple[list[Category], list[str]]:
    """The union of the categories of every variant, in a stable order, and what failed.

    A variant whose category list cannot be read is named in the warnings, so
    the report says so (and is not cached) instead of silently missing parts.
    """
    mid = resolved_refs(resolution)[0].id
    results = await catalog.get_categories_concurrent([(mid, v.id) for v in resolution.variants])
    union: dict[str, Category] = {}
    errors: list[PartsAgentError] = []
    for r in results:
        if r.error is not None:
            errors.append(r.error)
        for c in r.value or ():
            union.setdefault(c.id, c)
    if not union and errors:
        raise errors[0]
    warnings = [
        f"could not read the categories of variant {r.request[1]}: {r.error}"
        for r in results
        if r.error is not None
    ]
    return sorted(union.values(), key=lambda c: c.id), warnings


class RulesPlanner:
    """Maps components with fuzzy matching and adds secondary parts from rules kept as data."""

    name = "rules"

    async def plan(self, catalog: BucketManager, request: PlanRequest) -> Plan:
        warnings: list[str] = []
        if isinstance(request.damage, str):
            parts, unread = extract_components(request.damage, market=request.market)
            warnings.extend(unread)
            if not parts:
                raise InputError(
                    "found no damaged part in the description; name the parts, "
                    "e.g. 'front bumper smashed, left headlamp cracked'"
                )
        else:
            parts = list(request.damage)
        async with timer("tool.resolve_vehicle"):
            resolution = require_resolved(
                await resolve_vehicle(catalog, request.vehicle, market=request.market)
            )
        categories, unread = await categories_for(catalog, resolution)
        warnings.extend(unread)
        with timer("tool.map_component", components=len(parts)):
            needs, mapped = self._map(parts, categories, request.market, warnings)
        # Canonical order: the same damage in any order brings the same additions.
        mapped.sort(key=lambda m: (m.category_name, str(m.position), m.severity.value, m.component))
        async with timer("tool.analyze_damage_propagation"):
            additions = await analyze_damage_propagation(mapped)
        by_name = {c.name.casefold(): c for c in categories}
        for add in additions:
            category = by_name.get(add.category_name.casefold())
            if category is None:
                continue  # this vehicle has no such part (an EV has no intercooler)
            needs.append(
                Need(
                    component=add.triggered_by,
                    reason=add.reason,
                    category=CategoryRef(id=category.id, name=category.name),
                    position=add.position,
                    quantity=add.quantity,
                    why=add.why,
                    source="rule",
                    confidence=0.8,
                )
            )
        return Plan(resolution=resolution, needs=needs, warnings=warnings, incomplete=bool(unread))

    def _map(
        self,
        parts: Sequence[DamagedPart],
        categories: Sequence[Category],
        market: str,
        warnings: list[str],
    ) -> tuple[list[Need], list[MappedDamage]]:
        needs: list[Need] = []
        mapped: list[MappedDamage] = []
        cats = tuple(categories)
        for part in parts:
            match = match_component(part.component, cats, market=market)
            if match.status == "unknown" or match.category is None:
                hint = f"; {match.notes[0]}" if match.notes else ""
                warnings.append(f"could not match {part.component!r} to a catalog part{hint}")
                continue
            confidence = match.score / 100.0
            if match.status == "ambiguous":
                others = ", ".join(c.name for c in match.candidates[1:4])
                warnings.append(
                    f"{part.component!r} is ambiguous; priced as {match.category.name} "
                    f"(also possible: {others}); name the part more precisely"
                )
                confidence *= 0.6
            needs.append(
                Need(
                    component=part.component,
                    reason="damaged",
                    category=CategoryRef(id=match.category.id, name=match.category.name),
                    position=match.position,
                    quantity=1,
                    why=f"Reported {part.severity.value} damage to {part.component}.",
                    source="catalog",
                    confidence=round(confidence, 3),
                    severity=part.severity,
                )
            )
            mapped.append(
                MappedDamage(
                    component=part.component,
                    category_name=match.category.name,
                    position=match.position,
                    severity=part.severity,
                )
            )
        return needs, mapped

    async def aclose(self) -> None:
        return None
