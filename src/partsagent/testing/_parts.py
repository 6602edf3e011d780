"""The sample's parts: the taxonomy's categories with what only the generator needs.

Price bands, brand pools, product groups and which variants have a part
(``sample_parts.json``) make a plausible sample catalog; the library reads
none of them, so they live here, beside the generator, not in the vocabulary.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from .._datafile import DataFile, load_data
from .._exceptions import UsageError
from .._reading.taxonomy import CATEGORIES, CategorySpec

__all__ = ["ProductGroupSpec", "SamplePart", "applicable_categories", "sample_part", "sample_parts"]


def _no_float(value: object) -> object:
    if isinstance(value, float):
        raise ValueError("prices are decimal strings such as '180', never floats")
    return value


Price = Annotated[Decimal, BeforeValidator(_no_float), Field(gt=0)]


class _PartDoc(DataFile):
    price_gbp: tuple[Price, Price]
    brands: str | tuple[str, ...]
    product_groups: tuple[str, ...] = Field(min_length=1)
    oe: bool = True
    on_electric: bool = True
    turbo_only: bool = False
    fog_lamp: bool = False
    rear_doors_only: bool = False
    parking_sensor: bool = False
    pdc_holes: bool = False


class _SamplePartsDoc(DataFile):
    format: Literal["partsagent-sample-parts/1"]
    description: str = ""
    brand_pools: dict[str, tuple[str, ...]]
    categories: dict[str, _PartDoc]


@dataclass(frozen=True, slots=True)
class ProductGroupSpec:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class SamplePart:
    """A category of the vocabulary as the generator makes it.

    ``price_gbp`` is the band of an OE article's price before the make's premium;
    ``brands`` the non-OE brands that make it (the generator picks some of them).
    """

    spec: CategorySpec
    product_groups: tuple[ProductGroupSpec, ...]
    price_gbp: tuple[Decimal, Decimal]
    brands: tuple[str, ...]
    oe: bool
    """Whether the vehicle maker sells it under its own brand."""
    on_electric: bool
    turbo_only: bool
    fog_lamp: bool
    rear_doors_only: bool
    parking_sensor: bool
    """Only on variants with parking sensors."""
    pdc_holes: bool
    """Variants with and without parking sensors take different articles (holes for sensors)."""

    @property
    def id(self) -> str:
        return self.spec.id


@functools.cache
def sample_parts() -> tuple[SamplePart, ...]:
    """Every category of the vocabulary, in id order, as the sample makes it."""
    doc = load_data(_SamplePartsDoc, "sample_parts.json")
    out: list[SamplePart] = []
    for spec in CATEGORIES:
        part = doc.categories.get(spec.id)
        if part is None:
            raise UsageError(f"sample_parts.json lacks {spec.id}")
        if isinstance(part.brands, str):
            if part.brands not in doc.brand_pools:
                raise UsageError(f"sample_parts.json: {spec.id}: no brand pool {part.brands!r}")
            brands = doc.brand_pools[part.brands]
        else:
            brands = part.brands
        num = spec.id.removeprefix("CAT")
        groups = tuple(
            ProductGroupSpec(f"PG{num}{i}", name) for i, name in enumerate(part.product_groups, 1)
        )
        out.append(
            SamplePart(
                spec,
                groups,
                part.price_gbp,
                brands,
                part.oe,
                part.on_electric,
                part.turbo_only,
                part.fog_lamp,
                part.rear_doors_only,
                part.parking_sensor,
                part.pdc_holes,
            )
        )
    return tuple(out)


def sample_part(cid: str) -> SamplePart:
    """The sample's part of category ``cid``; KeyError if the vocabulary has none."""
    for part in sample_parts():
        if part.id == cid:
            return part
    raise KeyError(cid)


def applicable_categories(
    *,
    fuel: str,
    turbo: bool,
    fog_lamps: bool = True,
    rear_doors: bool = True,
    parking_sensors: bool = True,
) -> tuple[SamplePart, ...]:
    """The categories a variant has: no intercooler without a turbo or on an EV, and so on."""
    electric = fuel == "electric"
    return tuple(
        c
        for c in sample_parts()
        if not (electric and not c.on_electric)
        and not (c.turbo_only and not turbo)
        and not (c.fog_lamp and not fog_lamps)
        and not (c.rear_doors_only and not rear_doors)
        and not (c.parking_sensor and not parking_sensors)
    )
