"""The rules planner: offline, deterministic, and the default."""

from __future__ import annotations

import functools
from dataclasses import replace

from .._catalog.manager import BucketManager
from .._exceptions import InputError, UnresolvedVehicle, VehicleCandidate
from .._metrics import timer
from .._models import Category, ReportWarning, Severity
from .._pricing.plan import Need, Plan, PlanRequest, resolved_refs
from .._pricing.propagation import MappedDamage, analyze_damage_propagation
from .._pricing.report import CategoryRef
from .._pricing.vehicle_lists import VehicleCategories, vehicle_categories, vehicle_resolution
from .._reading.language import Language, current
from .._reading.reader import (
    ABSENT_PREFIX,
    PRICE_THRESHOLD,
    low_confidence,
    read_damage,
    vehicle_words,
)
from .._reading.results import Guess, Reading, ReadPart, UnreadPhrase
from .._reading.vehicle import VehicleReading, VehicleResolution

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
            unknown=resolution.unknown,
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
) -> tuple[list[Category], list[ReportWarning]]:
    """The union of the categories of every variant, in a stable order, and what failed.

    A variant whose category list cannot be read is named in the warnings, so
    the report says so (and is not cached) instead of silently missing parts.
    """
    lists, warnings = await _categories(catalog, resolution)
    return list(lists.union), warnings


async def _categories(
    catalog: BucketManager, resolution: VehicleResolution
) -> tuple[VehicleCategories, list[ReportWarning]]:
    mid = resolved_refs(resolution)[0].id
    lists = await vehicle_categories(catalog, mid, [v.id for v in resolution.variants])
    if not lists.union and lists.errors:
        raise lists.errors[0][1]
    warnings = [
        ReportWarning(
            code="catalog_unreadable",
            message=f"could not read the categories of variant {vid}: {error}",
        )
        for vid, error in lists.errors
    ]
    return lists, warnings


class RulesPlanner:
    """Reads the report's words, maps each part to a category, adds secondary parts from rules.

    A part read with less confidence than the price threshold is not priced:
    it goes back in ``Plan.unread`` with its best guesses, and brings no
    secondary parts.
    """

    name = "rules"

    async def plan(self, catalog: BucketManager, request: PlanRequest) -> Plan:
        warnings: list[ReportWarning | str] = []
        async with timer("tool.resolve_vehicle"):
            resolution = require_resolved(
                await vehicle_resolution(catalog, request.vehicle, request.market)
            )
        lists, unread = await _categories(catalog, resolution)
        categories = list(lists.union)
        warnings.extend(unread)
        components = 1 if isinstance(request.damage, str) else len(request.damage)
        with timer("tool.map_component", components=components):
            reading = read_damage(
                request.damage,
                categories,
                market=request.market,
                vehicle=_vehicle_words(tuple(_vehicle_names(request, resolution)), current()),
            )
        if isinstance(request.damage, str) and not reading.understood:
            raise InputError(
                "found no damaged part in the description; name the parts, "
                "e.g. 'front bumper smashed, left headlamp cracked'"
            )
        needs, mapped, not_priced = _needs(reading, warnings)
        # Canonical order: the same damage in any order brings the same additions.
        mapped.sort(key=lambda m: (m.category_name, str(m.position), m.severity.value, m.component))
        async with timer("tool.analyze_damage_propagation"):
            additions = await analyze_damage_propagation(mapped, rules=request.secondary_parts)
        for add in additions:
            category = lists.by_name.get(add.category_name.casefold())
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
        return Plan(
            resolution=resolution,
            needs=needs,
            warnings=warnings,
            incomplete=bool(unread),
            unread=not_priced,
            total_loss=reading.total_loss,
            build=request.read_build(resolution),
        )

    async def aclose(self) -> None:
        return None


@functools.lru_cache(maxsize=1024)
def _vehicle_words(names: tuple[str, ...], language: Language) -> frozenset[str]:
    """Kept per vehicle (and language): every report on it names the same make, model and
    variants."""
    return vehicle_words(names)


def _vehicle_names(request: PlanRequest, resolution: VehicleResolution) -> list[str]:
    v = request.vehicle
    names = [n for n in (v.make, v.model) if n]
    if resolution.manufacturer is not None:
        names.append(resolution.manufacturer.name)
    if resolution.model is not None:
        names.append(resolution.model.name)
    for variant in resolution.variants:
        names += [variant.name, variant.body, variant.engine]
    return names


def _needs(
    reading: Reading, warnings: list[ReportWarning | str]
) -> tuple[list[Need], list[MappedDamage], list[UnreadPhrase]]:
    """Parts at or above the threshold become needs (one per category and position)."""
    chosen: dict[tuple[str, str | None, str | None], ReadPart] = {}
    refits = [u for u in reading.unread if _refit_guesses(u)]
    unread = [u for u in reading.unread if u not in refits and not _refit_unknown(u, warnings)]
    for part in reading.parts:
        if part.confidence < PRICE_THRESHOLD:
            unread.append(
                low_confidence(
                    part.phrase, part.category, part.position, part.confidence, part.guesses
                )
            )
            continue
        warnings.extend(part.warnings)
        slot = (part.category.id, part.position.axle, part.position.side)
        old = chosen.get(slot)
        chosen[slot] = part if old is None else _merge(old, part)
    warnings.extend(reading.notes)
    labour: dict[tuple[str, str | None, str | None], ReadPart] = {}
    for part in reading.labour:  # the labour of a panel the catalog lacks ("roof dented")
        if part.confidence >= PRICE_THRESHOLD:
            where = _slot_of(part)
            old = labour.get(where)
            labour[where] = part if old is None else _merge(old, part)
    # Its phrases, and the story's that name the same panel ("branch fell on the roof").
    said = {p.phrase for p in reading.labour if _slot_of(p) in labour}
    unread = [u for u in unread if u.reason != "not_in_catalog" or u.phrase not in said]
    needs: list[Need] = []
    mapped: list[MappedDamage] = []
    for part in [*chosen.values(), *labour.values()]:
        needs.append(
            Need(
                component=part.phrase,
                reason="damaged",
                category=CategoryRef(id=part.category.id, name=part.category.name),
                position=part.position,
                quantity=part.quantity,
                why=f"Reported {part.severity.value} damage to {part.phrase}.",
                source="catalog",
                confidence=part.confidence,
                severity=part.severity,
                guesses=part.guesses,
                paint_intact=part.paint_intact,
                damage_kinds=part.damage_kinds,
                labour_only=part.category.id.startswith(ABSENT_PREFIX),
            )
        )
        mapped.append(
            MappedDamage(
                component=part.phrase,
                category_name=part.category.name,
                position=part.position,
                severity=part.severity,
            )
        )
    for u, guess in [(r, g) for r in refits for g in _refit_guesses(r)]:
        slot = (guess.category_id, guess.position.axle, guess.position.side)
        if slot in chosen or any(n.refit_only and _slot(n) == slot for n in needs):
            continue  # damaged too, or said twice: its own operations cover the refit
        needs.append(
            Need(
                component=u.phrase,
                reason="damaged",
                category=CategoryRef(id=guess.category_id, name=guess.category_name),
                position=guess.position,
                quantity=1,
                why=f"Asked to remove and refit: {u.phrase}.",
                source="catalog",
                confidence=guess.confidence,
                severity=Severity.MINOR,
                refit_only=True,
            )
        )
    return needs, mapped, unread


def _refit_guesses(u: UnreadPhrase) -> list[Guess]:
    """The parts an R&I or transfer phrase names surely enough to refit (the reader gives
    one guess per part it names: "fog lamps: reuse" is both of them)."""
    if u.reason != "operation" or u.action_hint != "refit":
        return []
    return [g for g in u.guesses if g.confidence >= PRICE_THRESHOLD]


def _refit_unknown(u: UnreadPhrase, warnings: list[ReportWarning | str]) -> bool:
    """A part to refit or transfer that the catalog has no labour time for ("transfer the
    wiper motor"): a warning to add the labour, never a damaged part to confirm."""
    if u.reason != "operation" or u.action_hint != "refit" or u.guesses:
        return False
    warnings.append(
        ReportWarning(
            code="no_labour_time",
            message=f"{u.phrase!r} asks for work only (remove and refit, transfer): the catalog "
            "has no such part and no labour time for it; not bought, add its labour by hand",
        )
    )
    return True


def _slot_of(p: ReadPart) -> tuple[str, str | None, str | None]:
    return (p.category.id, p.position.axle, p.position.side)


def _slot(n: Need) -> tuple[str, str | None, str | None]:
    return (n.category.id, n.position.axle, n.position.side)


def _merge(a: ReadPart, b: ReadPart) -> ReadPart:
    """The same part named twice ("tailgate dented ... boot won't open"): one line, worst damage."""
    worst = max((a, b), key=lambda p: _SEVERITY_RANK[p.severity])
    phrase = a.phrase if a.phrase == b.phrase else f"{a.phrase}; {b.phrase}"
    return replace(
        worst,
        phrase=phrase,
        quantity=max(a.quantity, b.quantity),
        confidence=max(a.confidence, b.confidence),
        paint_intact=a.paint_intact or b.paint_intact,
        damage_kinds=tuple(sorted({*a.damage_kinds, *b.damage_kinds})),
    )


_SEVERITY_RANK = {Severity.MINOR: 0, Severity.MODERATE: 1, Severity.SEVERE: 2}
