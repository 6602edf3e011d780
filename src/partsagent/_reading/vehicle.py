"""resolve_vehicle: the user's make, model and year (or VIN) -> catalog model and variants.

Matching goes exact, then alias (OPEL -> VAUXHALL), then fuzzy (rapidfuzz) for
typos. A fuzzy match is used only when it is clearly the best; when two
candidates are close, or the best is only fairly good, the answer is
"ambiguous" with ranked candidates rather than a silent guess, because a wrong
vehicle means every part in the report is wrong.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from .._exceptions import InputError
from .._markets import Market
from .._metrics.log import get_logger
from .._models import Manufacturer, Model, Variant, Vehicle
from .model_names import names
from .name_match import (
    AMBIGUOUS_MARGIN,
    CONFIDENT_SCORE,
    UNKNOWN_SCORE,
    NameMatch,
    closest,
    compact,
    fuzzy,
    match_model,
    match_names,
    norm,
    years,
)
from .tokens import normalise_market
from .vin import PARTIAL_LENGTHS, VinDecode, decode_partial_vin, decode_vin

if TYPE_CHECKING:
    from .._catalog.manager import BucketManager

__all__ = [
    "AMBIGUOUS_MARGIN",
    "CONFIDENT_SCORE",
    "UNKNOWN_SCORE",
    "ManufacturerRef",
    "ModelRef",
    "VehicleReading",
    "VehicleResolution",
    "resolve_vehicle",
]

_log = get_logger()
_METHOD_RANK: dict[str, int] = {"exact": 0, "alias": 1, "fuzzy": 2}


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class ManufacturerRef(_Out):
    id: str
    name: str


class ModelRef(_Out):
    id: str
    name: str
    year_from: int
    year_to: int | None = None

    @classmethod
    def of(cls, model: Model) -> ModelRef:
        return cls(id=model.id, name=model.name, year_from=model.year_from, year_to=model.year_to)


class VehicleReading(_Out):
    """One possible reading of the user's vehicle, with how well it matches (0-100)."""

    manufacturer: ManufacturerRef
    model: ModelRef | None = None
    score: float


class VehicleResolution(_Out):
    """The catalog vehicle for a report, or ranked candidates when it is ambiguous.

    ``status`` "resolved": manufacturer, model and variants are set.
    ``status`` "ambiguous": ``candidates`` lists the readings to choose from,
    best first; ``manufacturer`` is set when only the model is in doubt;
    ``query`` is what was given and ``missing`` what to add to settle it.
    """

    status: Literal["resolved", "ambiguous"]
    manufacturer: ManufacturerRef | None = None
    model: ModelRef | None = None
    year: int | None = None
    variants: tuple[Variant, ...] = ()
    resolved_by: str
    score: float
    notes: tuple[str, ...] = ()
    candidates: tuple[VehicleReading, ...] = ()
    vin: VinDecode | None = None
    query: str = ""
    missing: str = ""


def _as_vehicle(vehicle: Vehicle | Mapping[str, object]) -> Vehicle:
    if isinstance(vehicle, Vehicle):
        return vehicle
    if not isinstance(vehicle, Mapping):
        raise InputError(
            f"vehicle must be a Vehicle or a mapping with make, model, year or vin; "
            f"got {type(vehicle).__name__}"
        )
    try:
        return Vehicle.model_validate(dict(vehicle))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'vehicle'}: {e['msg']}" for e in exc.errors()
        )
        raise InputError(f"invalid vehicle: {problems}") from exc


def _worst(*methods: str) -> str:
    return max(methods, key=lambda m: _METHOD_RANK.get(m, 0))


async def _manufacturer(
    catalog: BucketManager, make: str, notes: list[str]
) -> tuple[Manufacturer | None, NameMatch, tuple[Manufacturer, ...]]:
    manufacturers = await catalog.get_manufacturers()
    m = match_names(make, [(x.name, *x.aliases) for x in manufacturers], what="make")
    if m.ambiguous or m.index is None:
        return None, m, manufacturers
    found = manufacturers[m.index]
    if m.method == "alias":
        notes.append(f"{make.strip()!r} is an alias of {found.name}")
    elif m.method == "fuzzy":
        notes.append(f"read make {make.strip()!r} as {found.name} (score {m.score:.0f})")
    return found, m, manufacturers


def _variants(model: Model, year: int | None, notes: list[str]) -> tuple[Variant, ...]:
    if year is None:
        notes.append(f"no year given: all {len(model.variants)} variants of {model.name} apply")
        return model.variants
    if not model.in_production(year):
        raise InputError(
            f"the catalog lists {model.name} for {years(model)}, not {year}; "
            "check the year or the model"
        )
    variants = tuple(v for v in model.variants if v.in_production(year))
    if not variants:
        spans = ", ".join(sorted({f"{v.year_from}-{v.year_to or 'now'}" for v in model.variants}))
        raise InputError(
            f"the catalog lists no {model.name} variant for {year}; its variants cover {spans}"
        )
    return variants


def _query(v: Vehicle) -> str:
    """What the caller gave, as one text for messages: "Ford 2019", "Golf"."""
    return " ".join(str(p) for p in (v.make, v.model, v.year) if p is not None)


async def resolve_vehicle(
    catalog: BucketManager,
    vehicle: Vehicle | Mapping[str, object],
    *,
    market: str | Market = "GB",
) -> VehicleResolution:
    """Find the catalog manufacturer, model and in-production variants of ``vehicle``.

    ``vehicle`` is a Vehicle or a JSON-like mapping (``{"make", "model", "year"}``
    or ``{"vin"}``). Returns status "ambiguous" with candidates when the text
    could mean several vehicles, or only one roughly, or lacks the make or the
    model; raises InputError when it means none.
    """
    normalise_market(market)
    v = _as_vehicle(vehicle)
    if v.vin is not None:
        return await _resolve_vin(catalog, v)
    query = _query(v)
    if v.make is None:
        assert v.model is not None
        return await _model_in_any_make(catalog, v.model, v.year, query)
    notes: list[str] = []
    manufacturer, make_match, manufacturers = await _manufacturer(catalog, v.make, notes)
    if manufacturer is None:
        by_id = {x.name: x for x in manufacturers}
        return VehicleResolution(
            status="ambiguous",
            year=v.year,
            resolved_by="fuzzy",
            score=make_match.score,
            notes=(
                f"make {v.make!r} is ambiguous; choose one of the candidates",
                *notes,
            ),
            candidates=tuple(
                VehicleReading(
                    manufacturer=ManufacturerRef(id=by_id[name].id, name=name), score=score
                )
                for score, _, name in make_match.ranked
                if score >= UNKNOWN_SCORE and make_match.score - score <= 2 * AMBIGUOUS_MARGIN
            ),
            query=query,
            missing="make",
        )
    if v.model is None:
        return await _models_of_make(
            catalog, manufacturer, make_match, v.year, notes, query=query, by=make_match.method
        )
    return await _resolve_model(
        catalog, manufacturer, make_match, [(v.model, False)], v.year, notes, query=query
    )


async def _models_of_make(
    catalog: BucketManager,
    manufacturer: Manufacturer,
    make_match: NameMatch,
    year: int | None,
    notes: list[str],
    *,
    query: str,
    by: str,
    vin: VinDecode | None = None,
) -> VehicleResolution:
    """The make is known, the model is not: its models built in ``year`` are the candidates."""
    models = await catalog.get_models_for_manufacturer(manufacturer.id)
    mref = ManufacturerRef(id=manufacturer.id, name=manufacturer.name)
    fitting = sorted(
        (m for m in models if year is None or m.in_production(year)), key=lambda m: m.name
    )
    if not fitting:
        raise InputError(
            f"the catalog lists no {manufacturer.name} model for {year}; "
            f"it lists {', '.join(f'{m.name} ({years(m)})' for m in models) or 'none'}"
        )
    notes.append(
        f"no model given; {manufacturer.name} models: {', '.join(m.name for m in fitting)}"
    )
    return VehicleResolution(
        status="ambiguous",
        manufacturer=mref,
        year=year,
        resolved_by=by,
        score=make_match.score,
        notes=tuple(notes),
        candidates=tuple(
            VehicleReading(manufacturer=mref, model=ModelRef.of(m), score=make_match.score)
            for m in fitting
        ),
        vin=vin,
        query=query,
        missing="model",
    )


_MAX_READINGS = 10


async def _model_in_any_make(
    catalog: BucketManager, model: str, year: int | None, query: str
) -> VehicleResolution:
    """No make: the models of every make whose name matches ``model`` (built in ``year``)."""
    q = norm(model)
    if not q:
        raise InputError("the model is empty; give a model name")
    manufacturers = await catalog.get_manufacturers()
    lists = await asyncio.gather(
        *(catalog.get_models_for_manufacturer(m.id) for m in manufacturers)
    )
    scored: list[tuple[float, str, Manufacturer, Model]] = []
    for manufacturer, models in zip(manufacturers, lists, strict=True):
        for m in models:
            exact = any(norm(n) == q or compact(n) == q.replace(" ", "") for n in names(m))
            score = 100.0 if exact else round(max(fuzzy(q, norm(n)) for n in names(m)), 1)
            if score >= UNKNOWN_SCORE and (year is None or m.in_production(year)):
                scored.append((score, f"{manufacturer.name} {m.name}", manufacturer, m))
    if not scored:
        when = f" for {year}" if year is not None else ""
        raise InputError(
            f"no make in the catalog lists a model like {model!r}{when}; give the make too"
        )
    scored.sort(key=lambda s: (-s[0], s[1]))
    best = scored[0][0]
    readings = tuple(
        VehicleReading(
            manufacturer=ManufacturerRef(id=mf.id, name=mf.name), model=ModelRef.of(m), score=sc
        )
        for sc, _, mf, m in scored[:_MAX_READINGS]
        if best - sc <= 2 * AMBIGUOUS_MARGIN
    )
    return VehicleResolution(
        status="ambiguous",
        year=year,
        resolved_by="exact" if best == 100.0 else "fuzzy",
        score=best,
        notes=(f"no make given; models like {model!r}: {len(readings)}",),
        candidates=readings,
        query=query,
        missing="make",
    )


async def _resolve_model(
    catalog: BucketManager,
    manufacturer: Manufacturer,
    make_match: NameMatch,
    texts: Sequence[tuple[str, bool]],
    year: int | None,
    notes: list[str],
    *,
    query: str,
    vin: VinDecode | None = None,
    year_from_input: bool = False,
) -> VehicleResolution:
    """Match the model (each ``(text, from_input)`` in turn), then the variants built in ``year``.

    With a VIN, ``resolved_by`` is "vin", or "vin+input" when the caller's
    model or year was needed.
    """
    mref = ManufacturerRef(id=manufacturer.id, name=manufacturer.name)
    models = await catalog.get_models_for_manufacturer(manufacturer.id)
    match: NameMatch | None = None
    error: InputError | None = None
    used, used_input = texts[0]
    for text, from_input in texts:
        try:
            candidate = match_model(text, models, manufacturer)
        except InputError as exc:
            error = error or exc
            continue
        if match is None or (match.ambiguous and not candidate.ambiguous):
            match, used, used_input = candidate, text, from_input
        if not match.ambiguous or match.reason:
            break  # a name that says another model settles it: no later text overrides it
    if match is None:
        assert error is not None
        raise error
    by: str | None = None
    if vin is not None:
        by = "vin+input" if used_input or year_from_input else "vin"
        if used_input:
            notes.append(f"model {used!r} from the input")
    if match.ambiguous or match.index is None:
        by_name = {m.name: m for m in models}
        return VehicleResolution(
            status="ambiguous",
            manufacturer=mref,
            year=year,
            resolved_by=by or "fuzzy",
            score=match.score,
            notes=(
                *notes,
                f"model {used!r} is ambiguous for {manufacturer.name}; "
                "choose one of the candidates",
                *((match.reason,) if match.reason else ()),
            ),
            candidates=tuple(
                VehicleReading(manufacturer=mref, model=ModelRef.of(by_name[name]), score=score)
                for score, _, name in match.ranked
                if score >= UNKNOWN_SCORE and match.score - score <= 2 * AMBIGUOUS_MARGIN
            ),
            vin=vin,
            query=query,
            missing="model",
        )
    model = models[match.index]
    if match.method == "fuzzy":
        notes.append(f"read model {used!r} as {model.name} (score {match.score:.0f})")
    elif match.method == "alias":
        notes.append(f"{used.strip()!r} is a name of the {manufacturer.name} {model.name}")
    variants = _variants(model, year, notes)
    result = VehicleResolution(
        status="resolved",
        manufacturer=mref,
        model=ModelRef.of(model),
        year=year,
        variants=variants,
        resolved_by=by or _worst(make_match.method, match.method),
        score=min(make_match.score, match.score),
        notes=tuple(notes),
        vin=vin,
    )
    return result


async def _resolve_vin(catalog: BucketManager, v: Vehicle) -> VehicleResolution:
    """Resolve what the VIN gives, topping it up with the caller's model or year if needed."""
    assert v.vin is not None
    if len("".join(v.vin.split())) in PARTIAL_LENGTHS:
        return await _resolve_partial_vin(catalog, v)
    decoded = await decode_vin(v.vin)
    assert decoded.make is not None  # decode_vin refuses a VIN without a make
    told = [f"make {decoded.make}"]
    if decoded.model:
        told.append(f"model {decoded.model}")
    if decoded.year:
        told.append(f"year {decoded.year}")
    notes = [f"from the VIN: {', '.join(told)}", *decoded.notes]
    from_input = False
    manufacturer, make_match, _ = await _manufacturer(catalog, decoded.make, notes)
    if manufacturer is None:
        raise InputError(
            f"the VIN's make {decoded.make!r} matches no single catalog make; closest: "
            f"{closest(make_match.ranked)}"
        )
    if v.make is not None and norm(v.make) not in {
        norm(n) for n in (manufacturer.name, *manufacturer.aliases)
    }:
        notes.append(f"the VIN says {manufacturer.name}, not {v.make!r}; the VIN wins")
    year = decoded.year
    if year is None and v.year is not None:
        year, from_input = v.year, True
        notes.append(f"year {year} from the input")
    elif year is not None and v.year is not None and v.year != year:
        notes.append(f"the VIN says {year}, not {v.year}; the VIN wins")
    texts = [(t, False) for t in (decoded.model, decoded.series) if t]
    if v.model is not None:
        texts.append((v.model, True))
    query = f"VIN {v.vin} ({' '.join(str(p) for p in (manufacturer.name, year) if p)})"
    if texts:
        return await _resolve_model(
            catalog,
            manufacturer,
            make_match,
            texts,
            year,
            notes,
            query=query,
            vin=decoded,
            year_from_input=from_input,
        )
    # A partial decode: the make's models built that year are the candidates.
    return await _models_of_make(
        catalog,
        manufacturer,
        make_match,
        year,
        notes,
        query=query,
        by="vin+input" if from_input else "vin",
        vin=decoded,
    )


async def _resolve_partial_vin(catalog: BucketManager, v: Vehicle) -> VehicleResolution:
    """The last 8-11 characters of a VIN with the caller's make and model: the year and a check.

    The VIN's year (position 10) wins over the caller's, as a full VIN's does; a model
    code the VIN carries (11 characters of a Volkswagen) must agree with the caller's.
    """
    assert v.vin is not None
    if v.make is None or v.model is None:
        raise InputError(
            f"{v.vin!r} is a partial VIN ({len(v.vin)} characters); with a partial VIN give the "
            "make and model too, or the whole VIN (17 characters)"
        )
    notes: list[str] = []
    manufacturer, make_match, _ = await _manufacturer(catalog, v.make, notes)
    if manufacturer is None:
        return await resolve_vehicle(catalog, v.model_copy(update={"vin": None}))
    decoded = decode_partial_vin(v.vin, manufacturer.name)
    notes[:0] = decoded.notes
    year = decoded.year
    if year is None:
        year = v.year
    elif v.year is not None and v.year != year:
        notes.append(f"the VIN says {year}, not {v.year}; the VIN wins")
    texts = [(t, False) for t in (decoded.model,) if t]
    texts.append((v.model, True))
    return await _resolve_model(
        catalog,
        manufacturer,
        make_match,
        texts,
        year,
        notes,
        query=f"VIN ...{decoded.vin} ({manufacturer.name} {v.model})",
        vin=decoded,
        year_from_input=decoded.year is None,
    )
