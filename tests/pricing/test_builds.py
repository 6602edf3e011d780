"""One vehicle build per report: the variant set in each of its four ways, never mixed."""

from __future__ import annotations

from typing import Any

import pytest

from partsagent import InputError, PartsAgent, PartsReport

ASTRA_2019 = {"make": "Vauxhall", "model": "Astra", "year": 2019}  # three hatches, one estate
HATCHES = ("127445", "127446", "127447")
ESTATE = "127448"
TAILGATE = [{"component": "tailgate", "severity": "severe"}]


def build_of(report: PartsReport) -> tuple[tuple[str, ...], str]:
    assert report.vehicle.build is not None
    return report.vehicle.build.variants, report.vehicle.build.chosen_by


def one_set(report: PartsReport) -> bool:
    """Every line fits every variant of the build the report says it priced."""
    assert report.vehicle.build is not None
    wanted = set(report.vehicle.build.variants)
    return all(wanted <= set(ln.fits_variants) for ln in report.lines)


def build_warnings(report: PartsReport) -> list[str]:
    return [w for w in report.warnings if w.startswith("priced for one build")]


async def test_most_variants_when_nothing_says(sample_agent: PartsAgent) -> None:
    """Nothing said: the set covering most variants (the three hatches), and one warning."""
    report = await sample_agent.process_damage_report(ASTRA_2019, TAILGATE)
    assert build_of(report) == (HATCHES, "most_variants")
    assert one_set(report)
    (warning,) = build_warnings(report)
    assert all(v in warning for v in HATCHES)
    assert f"also built: {ESTATE}" in warning


async def test_an_explicit_variant_wins(sample_agent: PartsAgent) -> None:
    """vehicle.variant_id prices that build, even against the words."""
    report = await sample_agent.process_damage_report(
        {**ASTRA_2019, "variant_id": ESTATE}, "hatchback tailgate smashed"
    )
    assert build_of(report) == ((ESTATE,), "variant_id")
    assert one_set(report)
    tailgate = next(ln for ln in report.lines if ln.category.name == "Tailgate")
    assert tailgate.fits_variants == (ESTATE,)


async def test_the_variant_is_part_of_the_cache_keys(sample_agent: PartsAgent) -> None:
    """The same words with and without a variant id are two reports, never one cached."""
    first = await sample_agent.process_damage_report(ASTRA_2019, TAILGATE)
    chosen = await sample_agent.process_damage_report(
        {**ASTRA_2019, "variant_id": ESTATE}, TAILGATE
    )
    again = await sample_agent.process_damage_report({**ASTRA_2019, "variant_id": ESTATE}, TAILGATE)
    assert build_of(first) == (HATCHES, "most_variants")
    assert chosen.performance["report_cache"] == "miss"
    assert build_of(chosen) == ((ESTATE,), "variant_id")
    assert again.performance["report_cache"] == "hit"
    assert build_of(again) == build_of(chosen)


async def test_a_variant_not_built_is_refused(sample_agent: PartsAgent) -> None:
    """A variant id that is not among the vehicle's variants that year is an InputError."""
    with pytest.raises(InputError, match="127448"):
        await sample_agent.process_damage_report(
            {"make": "Vauxhall", "model": "Astra", "year": 2017, "variant_id": ESTATE}, TAILGATE
        )


@pytest.mark.parametrize(
    ("vehicle", "damage", "expected"),
    [
        pytest.param(ASTRA_2019, "estate, tailgate smashed", (ESTATE,), id="estate"),
        pytest.param(
            {"make": "BMW", "model": "3 Series", "year": 2020},
            "320d touring: tailgate smashed",
            ("143102",),
            id="touring",
        ),
        pytest.param(
            {"make": "BMW", "model": "3 Series", "year": 2020},
            "boot lid pushed in",
            ("143101", "143103", "143104"),
            id="boot-lid-is-a-saloon",
        ),
        pytest.param(
            ASTRA_2019,
            "boot lid won't close, rear bumper cracked",
            HATCHES,
            id="boot-lid-of-a-hatch",
        ),
        pytest.param(
            {"make": "Vauxhall", "model": "Corsa", "year": 2020},
            "front bumper smashed, without parking sensors",
            ("131201",),
            id="without-sensors",
        ),
        pytest.param(
            {"make": "Ford", "model": "Fiesta ST", "year": 2019},
            "front bumper smashed",
            ("141514",),
            id="variant-name",
        ),
    ],
)
async def test_the_words_choose_the_build(
    sample_agent: PartsAgent, vehicle: dict[str, Any], damage: str, expected: tuple[str, ...]
) -> None:
    """Body, equipment and variant-name words narrow the build before the catalog does."""
    report = await sample_agent.process_damage_report(vehicle, damage)
    assert build_of(report) == (expected, "words")
    assert one_set(report)
    assert len(build_warnings(report)) == 1


async def test_bumper_holes_follow_the_sensors(sample_agent: PartsAgent) -> None:
    """With or without sensors, the bumper cover is the one made for that build."""
    corsa = {"make": "Vauxhall", "model": "Corsa", "year": 2020}
    plain = await sample_agent.process_damage_report(
        corsa, "front bumper smashed, without parking sensors"
    )
    holes = await sample_agent.process_damage_report(
        corsa, "front bumper smashed, with parking sensors"
    )
    cover = "Front Bumper Cover"
    assert next(ln for ln in plain.lines if ln.category.name == cover).article.name.endswith(
        "primed"
    )
    assert "PDC" in next(ln for ln in holes.lines if ln.category.name == cover).article.name
    assert "131201" not in build_of(holes)[0]
    assert "Front Parking Sensor" not in {ln.category.name for ln in plain.lines}


@pytest.mark.parametrize(
    ("vin", "expected"),
    [
        pytest.param("JTNK4RBE0K3000000", ("144101", "144102"), id="corolla-hatch"),
        pytest.param("5YFBURHE5KP000000", ("144104",), id="corolla-saloon"),
    ],
)
async def test_the_vin_chooses_the_build(
    sample_agent: PartsAgent, vin: str, expected: tuple[str, ...]
) -> None:
    """The VIN's body class (then fuel and displacement, when they narrow) picks the build."""
    report = await sample_agent.process_damage_report(
        {"vin": vin}, [{"component": "rear bumper", "severity": "severe"}]
    )
    assert build_of(report) == (expected, "vin")
    assert one_set(report)


async def test_an_engine_part_narrows_to_one_engine(sample_agent: PartsAgent) -> None:
    """Radiators differ by engine: the report is priced for one engine and says so."""
    report = await sample_agent.process_damage_report(
        {"make": "Vauxhall", "model": "Astra", "year": 2018},
        [{"component": "radiator", "severity": "severe"}],
    )
    variants, chosen_by = build_of(report)
    assert (len(variants), chosen_by) == (1, "most_variants")
    assert one_set(report)
    assert len(build_warnings(report)) == 1


async def test_no_article_of_another_build_is_used(sample_agent: PartsAgent) -> None:
    """The build without sensors has no parking sensor: the line is unpriced, not borrowed."""
    report = await sample_agent.process_damage_report(
        {"make": "Vauxhall", "model": "Corsa", "year": 2020, "variant_id": "131201"},
        [{"component": "front parking sensor", "severity": "severe"},
         {"component": "bonnet", "severity": "severe"}],
    )  # fmt: skip
    assert [ln.category.name for ln in report.lines if ln.reason == "damaged"] == ["Bonnet"]
    assert any(
        "Front Parking Sensor" in w and "another build is never used" in w for w in report.warnings
    )
    replace = [op for op in report.operations if op.category.name == "Front Parking Sensor"]
    assert [(op.operation, op.line) for op in replace] == [("replace", None)]
    assert one_set(report)


async def test_words_that_fit_no_variant_are_set_aside(sample_agent: PartsAgent) -> None:
    """An estate Corsa does not exist: the words are not used, and the report says so."""
    report = await sample_agent.process_damage_report(
        {"make": "Vauxhall", "model": "Corsa", "year": 2020}, "estate: bonnet dented"
    )
    assert any("fit none of this vehicle's variants" in w for w in report.warnings)
    assert build_of(report)[1] == "most_variants"


async def test_a_markets_word_for_a_part_is_no_claim_about_the_body(
    sample_agent: PartsAgent,
) -> None:
    """A US 'trunk lid' of a hatchback-only Corsa: no warning about 'saloon', never written."""
    corsa = {"make": "Vauxhall", "model": "Corsa", "year": 2020}
    report = await sample_agent.process_damage_report(corsa, "trunk lid dented", market="US")
    assert not any("fit none" in w for w in report.warnings), report.warnings
    assert not any("saloon" in w.casefold() for w in report.warnings), report.warnings
    assert build_of(report)[1] == "most_variants"


async def test_a_part_word_still_chooses_where_the_variants_differ_by_it(
    sample_agent: PartsAgent,
) -> None:
    """A Corolla is built as hatchbacks and a saloon: only the saloon has a trunk lid."""
    corolla = {"make": "Toyota", "model": "Corolla", "year": 2019}
    report = await sample_agent.process_damage_report(corolla, "trunk lid dented", market="US")
    assert build_of(report) == (("144104",), "words")


async def test_words_set_aside_are_quoted_as_the_caller_wrote_them(
    sample_agent: PartsAgent,
) -> None:
    """'sedan' is the saloon cue, but the warning says 'sedan', the word the caller used."""
    corsa = {"make": "Vauxhall", "model": "Corsa", "year": 2020}
    report = await sample_agent.process_damage_report(corsa, "Sedan: bonnet dented")
    set_aside = [w for w in report.warnings if "fit none" in w]
    assert len(set_aside) == 1
    assert "('sedan')" in set_aside[0]
    assert "saloon" not in set_aside[0]


async def test_a_body_word_beside_a_part_word_still_narrows(sample_agent: PartsAgent) -> None:
    """'saloon' with a 'tailgate' (no saloon has one) keeps the saloon, quietly."""
    corolla = {"make": "Toyota", "model": "Corolla", "year": 2019}
    report = await sample_agent.process_damage_report(corolla, "saloon, tailgate dented")
    assert build_of(report) == (("144104",), "words")
    assert not any("fit none" in w for w in report.warnings)


# -- trims, a bare "trunk", and a VIN engine of a body the catalog lacks ------------------


@pytest.mark.parametrize(
    ("vehicle", "damage"),
    [
        pytest.param({"make": "Honda", "model": "Civic Type R", "year": 2019},
                     "front bumper split", id="in-the-model"),
        pytest.param({"make": "Honda", "model": "Civic", "year": 2019},
                     "the type-r got its front bumper ripped off", id="alone-in-the-words"),
    ],
)  # fmt: skip
async def test_a_trim_said_prices_that_trim(
    sample_agent: PartsAgent, vehicle: dict[str, Any], damage: str
) -> None:
    """A Type R's bumper is not a base Civic's: the trim said chooses the build."""
    report = await sample_agent.process_damage_report(vehicle, damage)
    assert build_of(report) == (("146104",), "words")
    assert one_set(report)
    assert not report.has_warning("build_not_in_catalog")


@pytest.mark.parametrize(
    ("vehicle", "damage", "said"),
    [
        pytest.param({"make": "Volkswagen", "model": "Golf GTD", "year": 2019},
                     "rear bumper split", "gtd", id="in-the-model"),
        pytest.param({"make": "Ford", "model": "Focus", "year": 2019},
                     "reversed the Focus RS into a wall, rear bumper split", "rs",
                     id="after-the-models-name"),
    ],
)  # fmt: skip
async def test_a_trim_the_catalog_lacks_is_said_and_doubted(
    sample_agent: PartsAgent, vehicle: dict[str, Any], damage: str, said: str
) -> None:
    report = await sample_agent.process_damage_report(vehicle, damage)
    (warning,) = [w for w in report.coded_warnings if w.code == "build_not_in_catalog"]
    assert repr(said) in warning.message
    assert report.confidence <= 0.5


async def test_a_short_trim_word_away_from_the_model_is_no_trim(sample_agent: PartsAgent) -> None:
    """'rs' or 'st' in a damage text is too often something else: only after the model's name."""
    report = await sample_agent.process_damage_report(
        {"make": "Ford", "model": "Focus", "year": 2019}, "rear bumper split, rs corner worst"
    )
    assert not report.has_warning("build_not_in_catalog")


async def test_a_bare_trunk_chooses_the_saloon(sample_agent: PartsAgent) -> None:
    """In the US a trunk is a saloon's: where the variants differ by it, the saloon is priced."""
    corolla = {"make": "Toyota", "model": "Corolla", "year": 2020}
    report = await sample_agent.process_damage_report(
        corolla, "got hit in the parking lot, trunk is dented", market="US"
    )
    assert build_of(report) == (("144104",), "words")


async def test_a_vin_engine_never_chooses_the_body(sample_agent: PartsAgent) -> None:
    """A VIN with no body class and a 2.0 L petrol engine (a US hatch the catalog lacks): the
    one 2.0 variant, a hybrid estate, is another car; the build is chosen by the parts."""
    pytest.importorskip("ultravin")
    report = await sample_agent.process_damage_report(
        {"vin": "JTNK4RBE3L3012345"}, [{"component": "rear bumper", "severity": "severe"}]
    )
    variants, _ = build_of(report)
    assert "144103" not in variants  # the estate
    assert one_set(report)
