"""A vehicle's resolution and category lists, and what reports work out of them, once per
vehicle.

Every report on a vehicle resolves it (the manufacturers and models lists),
reads the category list of each of its variants twice (the planner's union of
categories, the pricer's groups and panels) and works the same things out of
them. ``vehicle_resolution`` and ``vehicle_categories`` do it once and keep the
result in the manager's ``derived`` memo, which lets it go as soon as one of
those lists leaves the cache or expires: a later report then reads the lists
again, exactly as without the memo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .._catalog.cache import MISSING
from .._catalog.documents import MANUFACTURERS_KEY, categories_key, models_key
from .._catalog.manager import BucketManager
from .._exceptions import PartsAgentError
from .._markets import Market
from .._models import Category, Vehicle
from .._reading.vehicle import VehicleResolution, resolve_vehicle

__all__ = ["VehicleCategories", "vehicle_categories", "vehicle_resolution"]

BUILDS_KEPT = 16
"""Builds (sets of variants) whose panels a vehicle keeps: a report prices one."""


@dataclass(frozen=True, slots=True)
class VehicleCategories:
    """The category lists of a vehicle's variants, and what every report asks of them."""

    by_variant: Mapping[str, tuple[Category, ...]]
    """Each variant's list, for the variants whose list could be read."""
    errors: tuple[tuple[str, PartsAgentError], ...]
    """(variant id, error) of each list that could not be read, in the variants' order."""
    union: tuple[Category, ...]
    """Every variant's categories, one per id, by id."""
    groups: Mapping[str, str]
    """Each category's product group."""
    by_name: Mapping[str, Category]
    """The union's categories by casefolded name (the last by id of a name)."""
    _panels: dict[frozenset[str], dict[str, Category]] = field(default_factory=dict)

    @classmethod
    def of(
        cls, lists: Sequence[tuple[str, tuple[Category, ...] | None, PartsAgentError | None]]
    ) -> VehicleCategories:
        """From (variant id, list or None, error or None) in the variants' order."""
        union: dict[str, Category] = {}
        for _, cats, _ in lists:
            for c in cats or ():
                union.setdefault(c.id, c)
        ordered = tuple(sorted(union.values(), key=lambda c: c.id))
        return cls(
            by_variant={vid: cats for vid, cats, _ in lists if cats is not None},
            errors=tuple((vid, err) for vid, _, err in lists if err is not None),
            union=ordered,
            groups={c.id: c.group for _, cats, _ in lists for c in cats or ()},
            by_name={c.name.casefold(): c for c in ordered},
        )

    def panels(self, build: frozenset[str]) -> dict[str, Category]:
        """The categories every variant of ``build`` lists, by their names, then synonyms.

        Casefolded names; a synonym never shadows another category's own name.
        """
        found = self._panels.get(build)
        if found is not None:
            return found
        lists = [self.by_variant[v] for v in sorted(build) if v in self.by_variant]
        shared = set.intersection(*({c.id for c in cats} for cats in lists)) if lists else set()
        kept = sorted((c for c in lists[0] if c.id in shared), key=lambda c: c.id) if lists else []
        by_name = {c.name.casefold(): c for c in reversed(kept)}
        for c in kept:
            for synonym in c.synonyms:
                by_name.setdefault(synonym.casefold(), c)
        if len(self._panels) >= BUILDS_KEPT:
            self._panels.pop(next(iter(self._panels)))
        self._panels[build] = by_name
        return by_name


async def vehicle_categories(
    catalog: BucketManager, mid: str, variant_ids: Sequence[str]
) -> VehicleCategories:
    """The category lists of a vehicle's variants: kept from an earlier report while their
    lists are cached, else read (a list that cannot be read is in ``errors``, never kept)."""
    key = ("categories", mid, tuple(variant_ids))
    kept = catalog.derived.get(key)
    if kept is not MISSING:
        return kept  # type: ignore[no-any-return]
    since = catalog.derived.since()
    results = await catalog.get_categories_concurrent([(mid, v) for v in variant_ids])
    lists = VehicleCategories.of(
        [(r.request[1], tuple(r.value) if r.value is not None else None, r.error) for r in results]
    )
    if not lists.errors:
        sources = [categories_key(mid, v) for v in variant_ids]
        catalog.derived.put(key, lists, sources, since=since)
    return lists


async def vehicle_resolution(
    catalog: BucketManager, vehicle: Vehicle, market: str | Market
) -> VehicleResolution:
    """``resolve_vehicle``, kept from an earlier report on the same words while the
    manufacturers and the make's models lists are cached; only a resolved vehicle is kept
    (candidates and errors are worked out again), and never one read from a VIN."""
    if vehicle.vin is not None:
        return await resolve_vehicle(catalog, vehicle, market=market)
    key = ("vehicle", vehicle, str(market))
    kept = catalog.derived.get(key)
    if kept is not MISSING:
        return kept  # type: ignore[no-any-return]
    since = catalog.derived.since()
    resolution = await resolve_vehicle(catalog, vehicle, market=market)
    if resolution.status == "resolved" and resolution.manufacturer is not None:
        sources = [MANUFACTURERS_KEY, models_key(resolution.manufacturer.id)]
        catalog.derived.put(key, resolution, sources, since=since)
    return resolution
