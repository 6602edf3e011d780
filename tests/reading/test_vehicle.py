"""resolve_vehicle against the embedded sample catalog: exact, alias, fuzzy, ambiguous, VIN."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from partsagent import InputError, UnresolvedVehicle, Vehicle
from partsagent._catalog.manager import BucketManager
from partsagent._planning.rules import require_resolved
from partsagent._reading.vehicle import VehicleResolution, resolve_vehicle


@pytest.fixture
async def catalog() -> AsyncIterator[BucketManager]:
    """A manager on the embedded sample catalog."""
    async with BucketManager() as manager:
        yield manager


ASTRA_2018 = ["127445", "127446", "127447"]
ASTRA_J = ["127431", "127432", "127433"]


@pytest.mark.parametrize(
    ("make", "model", "resolved_by"),
    [
        pytest.param("VAUXHALL", "ASTRA", "exact", id="exact"),
        pytest.param("vauxhall", " astra ", "exact", id="case-and-spaces"),
        pytest.param("Opel", "Astra", "alias", id="alias-opel"),
        pytest.param("Vauxhal", "Astra", "fuzzy", id="make-typo"),
        pytest.param("Vauxhall", "astra k", "fuzzy", id="model-with-generation"),
        pytest.param("Vauxhall", "Asttra", "fuzzy", id="model-typo"),
    ],
)
async def test_astra_resolves(
    catalog: BucketManager, make: str, model: str, resolved_by: str
) -> None:
    """The 2018 Astra resolves to its three variants however the user spells it."""
    r = await resolve_vehicle(catalog, {"make": make, "model": model, "year": 2018})
    assert r.status == "resolved"
    assert r.manufacturer is not None
    assert r.manufacturer.id == "117"
    assert r.model is not None
    assert r.model.name == "ASTRA"
    assert [v.id for v in r.variants] == ASTRA_2018
    assert r.resolved_by == resolved_by


async def test_alias_is_explained_in_notes(catalog: BucketManager) -> None:
    """An alias match says which make it stands for."""
    r = await resolve_vehicle(catalog, Vehicle(make="OPEL", model="Astra", year=2018))
    assert "'OPEL' is an alias of VAUXHALL" in r.notes
    assert r.score == 100.0


@pytest.mark.parametrize(
    ("make", "model", "year", "expected"),
    [
        pytest.param("VW", "Golf", 2016, ("VOLKSWAGEN", "GOLF"), id="vw-alias"),
        pytest.param("Volkswagan", "golf", 2016, ("VOLKSWAGEN", "GOLF"), id="volkswagen-typo"),
        pytest.param("BMW", "3-series", 2020, ("BMW", "3 SERIES"), id="3-series-hyphen"),
        pytest.param("BMW", "3 Series", 2020, ("BMW", "3 SERIES"), id="3-series-space"),
        pytest.param("Tesla", "Model3", 2020, ("TESLA", "MODEL 3"), id="model3-no-space"),
        pytest.param("Nissan", "Qashqai", 2016, ("NISSAN", "QASHQAI"), id="qashqai"),
        pytest.param("Nissan", "Quashqai", 2016, ("NISSAN", "QASHQAI"), id="quashqai-typo"),
        pytest.param("Toyot", "Corola", 2020, ("TOYOTA", "COROLLA"), id="both-typos"),
    ],
)
async def test_other_makes_and_models_resolve(
    catalog: BucketManager, make: str, model: str, year: int, expected: tuple[str, str]
) -> None:
    """Aliases, typos and spacing variants find the catalog make and model."""
    r = await resolve_vehicle(catalog, {"make": make, "model": model, "year": year})
    assert r.status == "resolved"
    assert r.manufacturer is not None
    assert r.model is not None
    assert (r.manufacturer.name, r.model.name) == expected
    assert r.variants


@pytest.mark.parametrize(
    ("year", "variant_ids"),
    [
        pytest.param(2015, [*ASTRA_2018, *ASTRA_J], id="generations-overlap"),
        pytest.param(2016, ASTRA_2018, id="current-generation"),
        pytest.param(2012, ASTRA_J, id="previous-generation"),
        pytest.param(2019, [*ASTRA_2018, "127448"], id="overlap-year"),
        pytest.param(2021, ["127448"], id="last-year"),
    ],
)
async def test_year_selects_variants_in_production(
    catalog: BucketManager, year: int, variant_ids: list[str]
) -> None:
    """Only the variants built in the given year are returned."""
    r = await resolve_vehicle(catalog, {"make": "Vauxhall", "model": "Astra", "year": year})
    assert [v.id for v in r.variants] == variant_ids
    assert all(v.in_production(year) for v in r.variants)


async def test_no_year_keeps_every_variant(catalog: BucketManager) -> None:
    """Without a year every variant applies, and a note says so."""
    r = await resolve_vehicle(catalog, {"make": "Vauxhall", "model": "Astra"})
    assert [v.id for v in r.variants] == [*ASTRA_2018, "127448", *ASTRA_J]
    assert any("no year given" in n for n in r.notes)


async def test_year_outside_model_years_names_them(catalog: BucketManager) -> None:
    """A year outside the catalog's years for a model says what the catalog lists."""
    with pytest.raises(InputError, match=r"the catalog lists ASTRA for 2009-2021, not 2005"):
        await resolve_vehicle(catalog, {"make": "Vauxhall", "model": "Astra", "year": 2005})


@pytest.mark.parametrize(
    ("make", "model", "year", "generation"),
    [
        pytest.param("Ford", "Focus", 2015, {"141491", "141492", "141493", "141494"}, id="focus"),
        pytest.param("BMW", "3 Series", 2014, {"143091"}, id="3-series"),
        pytest.param("Vauxhall", "Astra", 2011, set(ASTRA_J), id="astra"),
        pytest.param("Honda", "Civic", 2014, {"146091", "146092"}, id="civic"),
    ],
)
async def test_previous_generations_resolve(
    catalog: BucketManager, make: str, model: str, year: int, generation: set[str]
) -> None:
    """Years of the last decade resolve to the previous generation's variants only."""
    r = await resolve_vehicle(catalog, {"make": make, "model": model, "year": year})
    assert r.status == "resolved"
    assert {v.id for v in r.variants} == generation


async def test_previous_generation_has_parts_of_its_own(catalog: BucketManager) -> None:
    """An Astra J bonnet is not the current Astra's: generations do not share panels."""
    old = await catalog.get_articles_for_category("117", ASTRA_J[0], "CAT003")
    new = await catalog.get_articles_for_category("117", ASTRA_2018[0], "CAT003")
    assert old
    assert new
    assert {a.id for a in old}.isdisjoint({a.id for a in new})


async def test_model_years_match_variants_for_tesla(catalog: BucketManager) -> None:
    """MODEL 3 is listed from 2019, when its variants start: 2017 is refused by the catalog."""
    r = await resolve_vehicle(catalog, {"make": "Tesla", "model": "Model 3", "year": 2019})
    assert r.status == "resolved"
    with pytest.raises(InputError, match=r"the catalog lists MODEL 3 for 2019 onwards, not 2017"):
        await resolve_vehicle(catalog, {"make": "Tesla", "model": "Model 3", "year": 2017})


async def test_close_candidates_are_ambiguous(catalog: BucketManager) -> None:
    """Two equally good models give status ambiguous with both, not a silent guess."""
    r = await resolve_vehicle(catalog, {"make": "Ford", "model": "F", "year": 2019})
    assert r.status == "ambiguous"
    assert r.model is None
    assert r.variants == ()
    assert {c.model.name for c in r.candidates if c.model} == {"FOCUS", "FIESTA"}


async def test_weak_match_is_ambiguous(catalog: BucketManager) -> None:
    """A fuzzy match below the confidence threshold is offered, not taken."""
    r = await resolve_vehicle(catalog, {"make": "Vauxhall", "model": "Astrx", "year": 2018})
    assert r.status == "ambiguous"
    assert r.manufacturer is not None
    assert r.manufacturer.name == "VAUXHALL"
    assert r.candidates[0].model is not None
    assert r.candidates[0].model.name == "ASTRA"


@pytest.mark.parametrize(
    ("vehicle", "message"),
    [
        pytest.param(
            {"make": "Xyzzy", "model": "Astra"},
            r"unknown make 'Xyzzy'; closest: ",
            id="unknown-make",
        ),
        pytest.param({"make": "  ", "model": "Astra"}, "make", id="blank-make"),
        pytest.param({"year": 2018}, "make and model", id="no-make-no-model"),
        pytest.param({"make": "Vauxhall", "model": "Astra", "year": "soon"}, "year", id="bad-year"),
    ],
)
async def test_bad_vehicle_raises_input_error(
    catalog: BucketManager, vehicle: dict[str, object], message: str
) -> None:
    """Unknown or malformed vehicles raise InputError saying what to fix."""
    with pytest.raises(InputError, match=message):
        await resolve_vehicle(catalog, vehicle)


@pytest.mark.parametrize(
    ("make", "model", "closest"),
    [
        pytest.param("Vauxhall", "Mustang", {"ASTRA", "CORSA"}, id="another-makes-model"),
        pytest.param("Vauxhall", "Mokka", {"ASTRA", "CORSA"}, id="same-make-suv"),
        pytest.param("Ford", "Kuga", {"FIESTA", "FOCUS"}, id="ford"),
        pytest.param("BMW", "X5", {"3 SERIES"}, id="bmw-letter-model"),
    ],
)
async def test_an_unknown_model_of_a_known_make_has_candidates(
    catalog: BucketManager, make: str, model: str, closest: set[str]
) -> None:
    """A model the catalog lacks is refused with the make's closest models, never priced."""
    r = await resolve_vehicle(catalog, {"make": make, "model": model, "year": 2019})
    assert r.status == "ambiguous"
    assert r.unknown == model
    assert {c.model.name for c in r.candidates if c.model} == closest
    with pytest.raises(UnresolvedVehicle) as raised:
        require_resolved(r)
    assert raised.value.unknown == model
    assert f"no model {model!r}" in str(raised.value)
    assert all(name in str(raised.value) for name in closest)


async def test_bad_market_is_refused(catalog: BucketManager) -> None:
    """A market that is not a two-letter code raises InputError."""
    with pytest.raises(InputError, match="market"):
        await resolve_vehicle(catalog, {"make": "Vauxhall", "model": "Astra"}, market="Britain")


async def test_full_vin_resolves_from_the_vin_alone(catalog: BucketManager) -> None:
    """A VIN with make, model and year resolves with resolved_by 'vin'."""
    r = await resolve_vehicle(catalog, Vehicle(vin="5YJ3E1EA2KF317000"))
    assert r.status == "resolved"
    assert r.model is not None
    assert r.model.name == "MODEL 3"
    assert r.year == 2019
    assert r.resolved_by == "vin"
    assert r.vin is not None
    assert r.vin.check_digit_valid
    assert r.notes[0] == "from the VIN: make TESLA, model Model 3, year 2019"


async def test_vin_series_finds_the_range(catalog: BucketManager) -> None:
    """A BMW VIN's trim (330i) misses, its series (3-Series) finds the 3 SERIES."""
    r = await resolve_vehicle(catalog, {"vin": "WBA5R1C08LA000000"})
    assert r.status == "resolved"
    assert r.model is not None
    assert r.model.name == "3 SERIES"
    assert r.resolved_by == "vin"


async def test_vin_model_missing_from_catalog_is_refused(catalog: BucketManager) -> None:
    """A real VIN for a model the catalog lacks names the closest catalog models."""
    r = await resolve_vehicle(catalog, {"vin": "1HGCM82633A004352"})
    assert r.status == "ambiguous"
    assert r.unknown == "Accord"
    assert [c.model.name for c in r.candidates if c.model] == ["CIVIC"]


async def test_partial_european_vin_is_ambiguous_with_models_of_that_year(
    catalog: BucketManager,
) -> None:
    """An OPEL VIN without a model lists the VAUXHALL models built that year."""
    r = await resolve_vehicle(catalog, {"vin": "W0LBD6EA5HG000000"})
    assert r.status == "ambiguous"
    assert r.manufacturer is not None
    assert r.manufacturer.name == "VAUXHALL"
    assert r.year == 2017
    assert [c.model.name for c in r.candidates if c.model] == ["ASTRA"]
    assert "'OPEL' is an alias of VAUXHALL" in r.notes
    assert r.resolved_by == "vin"


async def test_partial_vin_with_caller_model(catalog: BucketManager) -> None:
    """A partial VIN plus the caller's model resolves as 'vin+input'."""
    r = await resolve_vehicle(
        catalog, Vehicle(vin="W0LBD6EA5HG000000", make="Vauxhall", model="Astra")
    )
    assert r.status == "resolved"
    assert [v.id for v in r.variants] == ASTRA_2018
    assert r.resolved_by == "vin+input"
    assert "model 'Astra' from the input" in r.notes


async def test_resolution_dumps_to_json(catalog: BucketManager) -> None:
    """The resolution round-trips through JSON for an LLM tool call."""
    r = await resolve_vehicle(catalog, {"make": "Opel", "model": "Astra", "year": 2018})
    dumped = r.model_dump(mode="json")
    assert dumped["manufacturer"] == {"id": "117", "name": "VAUXHALL"}
    assert VehicleResolution.model_validate(dumped) == r


@pytest.mark.parametrize(
    ("make", "model", "year", "catalog_model", "word"),
    [
        pytest.param("Tesla", "Model S", 2020, "MODEL 3", "S", id="letter-against-number"),
        pytest.param("Tesla", "Model X", 2021, "MODEL 3", "X", id="model-x"),
        pytest.param("BMW", "5 Series", 2019, "3 SERIES", "5", id="number-against-number"),
        pytest.param("BMW", "4-series", 2020, "3 SERIES", "4", id="hyphenated"),
        pytest.param("Volkswagen", "Golf Sportsvan", 2016, "GOLF", "SPORTSVAN", id="suffix"),
        pytest.param("VW", "Golf Plus", 2013, "GOLF", "PLUS", id="plus-is-a-model"),
        pytest.param("Toyota", "Corolla Verso", 2019, "COROLLA", "VERSO", id="verso"),
        pytest.param("Ford", "Focus C-Max", 2019, "FOCUS", "MAX", id="c-max"),
        pytest.param("Nissan", "Qashqai Cross", 2019, "QASHQAI", "CROSS", id="cross"),
    ],
)
async def test_a_different_model_is_refused_with_candidates(
    catalog: BucketManager, make: str, model: str, year: int, catalog_model: str, word: str
) -> None:
    """A word the catalog model's name lacks names another model: candidates, never a price."""
    r = await resolve_vehicle(catalog, {"make": make, "model": model, "year": year})
    assert r.status == "ambiguous"
    assert r.missing == "model"
    assert [c.model.name for c in r.candidates if c.model] == [catalog_model]
    assert any(repr(word) in note for note in r.notes)


@pytest.mark.parametrize(
    ("make", "model", "year", "catalog_model"),
    [
        pytest.param("BMW", "320d", 2019, "3 SERIES", id="variant-code"),
        pytest.param("BMW", "M340i xDrive", 2020, "3 SERIES", id="variant-code-and-drive"),
        pytest.param("BMW", "335d", 2016, "3 SERIES", id="code-alias-not-a-variant"),
        pytest.param("bmw", "318i touring", 2017, "3 SERIES", id="code-and-body"),
        pytest.param("Nissan", "Rogue Sport", 2019, "QASHQAI", id="us-market-name"),
        pytest.param("Nissan", "Dualis", 2016, "QASHQAI", id="other-market-name"),
        pytest.param("VW", "Rabbit", 2016, "GOLF", id="rabbit"),
        pytest.param("VW", "Golf VII estate", 2016, "GOLF", id="generation-and-body"),
        pytest.param("Honda", "Civic Type-R", 2018, "CIVIC", id="variant-words"),
        pytest.param("Toyota", "Corola hybrid", 2020, "COROLLA", id="typo-and-fuel"),
        pytest.param("Ford", "Fiesta Zetec 5dr", 2018, "FIESTA", id="trim-and-doors"),
    ],
)
async def test_codes_market_names_and_qualifiers_resolve(
    catalog: BucketManager, make: str, model: str, year: int, catalog_model: str
) -> None:
    """Codes, other markets' names and qualified names resolve to their catalog model."""
    r = await resolve_vehicle(catalog, {"make": make, "model": model, "year": year})
    assert r.status == "resolved", r.notes
    assert r.model is not None
    assert r.model.name == catalog_model


async def test_alias_resolution_says_which_name_was_used(catalog: BucketManager) -> None:
    """A model found by an alias or a code is not silent about it."""
    r = await resolve_vehicle(catalog, {"make": "Nissan", "model": "rogue sport", "year": 2019})
    assert r.resolved_by == "alias"
    assert "'rogue sport' is a name of the NISSAN QASHQAI" in r.notes


async def test_code_without_make_finds_its_model(catalog: BucketManager) -> None:
    """A code alone lists the model it belongs to."""
    r = await resolve_vehicle(catalog, {"model": "330e", "year": 2020})
    assert [(c.manufacturer.name, c.model.name) for c in r.candidates if c.model][0] == (
        "BMW",
        "3 SERIES",
    )


@pytest.mark.parametrize(
    ("vin", "model", "year"),
    [
        pytest.param("WVWZZZAUZGW000000", "GOLF", 2016, id="vw-positions-7-8"),
        pytest.param("WVWZZZ5GZFW000000", "GOLF", 2015, id="vw-other-code-same-model"),
        pytest.param("LRW3E7FA1LC000000", "MODEL 3", 2020, id="tesla-position-4-china-wmi"),
    ],
)
async def test_european_vin_names_its_model(
    catalog: BucketManager, vin: str, model: str, year: int
) -> None:
    """Where the VDS names the model, the VIN alone resolves, saying where it was read."""
    r = await resolve_vehicle(catalog, {"vin": vin})
    assert r.status == "resolved"
    assert r.model is not None
    assert (r.model.name, r.year, r.resolved_by) == (model, year, "vin")
    assert any("the VIN's position" in note for note in r.notes)


async def test_vin_naming_a_model_the_catalog_lacks_is_refused(catalog: BucketManager) -> None:
    """A VIN coding another model (a Sportsvan, a Polo) is never priced as the catalog's Golf."""
    r = await resolve_vehicle(catalog, {"vin": "WVWZZZAMZFW000000"})
    assert r.status == "ambiguous"
    polo = await resolve_vehicle(catalog, {"vin": "WVWZZZAWZKW000000"})
    assert (polo.status, polo.unknown) == ("ambiguous", "POLO")
    assert [c.model.name for c in polo.candidates if c.model] == ["GOLF"]


async def test_vin_model_wins_over_the_callers(catalog: BucketManager) -> None:
    """The caller's 'Golf' does not override a VIN that says Golf Sportsvan."""
    r = await resolve_vehicle(catalog, {"vin": "WVWZZZAMZFW000000", "make": "VW", "model": "Golf"})
    assert r.status == "ambiguous"


async def test_vin_without_a_model_code_keeps_the_candidates(catalog: BucketManager) -> None:
    """An unlisted code says nothing: the make's models of that year are offered."""
    r = await resolve_vehicle(catalog, {"vin": "WVWZZZ99ZGW000000"})
    assert r.status == "ambiguous"
    assert [c.model.name for c in r.candidates if c.model] == ["GOLF"]


@pytest.mark.parametrize(
    ("vin", "given_year", "year", "model_from_vin"),
    [
        pytest.param("GW123456", None, 2016, False, id="last-8-year-from-position-10"),
        pytest.param("AUZGW123456", None, 2016, True, id="last-11-with-model-code"),
        pytest.param("hw 12 34 56", 2016, 2017, False, id="spaces-and-case-vin-year-wins"),
    ],
)
async def test_partial_vin_with_make_and_model(
    catalog: BucketManager, vin: str, given_year: int | None, year: int, model_from_vin: bool
) -> None:
    """The last 8-11 characters with make and model resolve; the year comes from position 10."""
    r = await resolve_vehicle(
        catalog, {"vin": vin, "make": "Volkswagen", "model": "Golf", "year": given_year}
    )
    assert r.status == "resolved"
    assert r.year == year
    assert r.vin is not None
    assert r.vin.partial
    assert r.resolved_by == ("vin" if model_from_vin else "vin+input")
    if given_year is not None:
        assert f"the VIN says {year}, not {given_year}; the VIN wins" in r.notes


async def test_partial_vin_needs_make_and_model(catalog: BucketManager) -> None:
    """A partial VIN alone says too little: the error says what to add."""
    with pytest.raises(InputError, match="give the make and model too"):
        await resolve_vehicle(catalog, {"vin": "GW123456"})
    with pytest.raises(InputError, match="VINs never contain I, O or Q|never I, O or Q"):
        await resolve_vehicle(catalog, {"vin": "GW12O456", "make": "VW", "model": "Golf"})
