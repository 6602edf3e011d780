"""What the words say beyond the parts: dent sizes, hail, loose parts, structure, equipment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from _estimate import ASTRA_2018
from partsagent import EstimateData, PartsAgent, PartsReport
from partsagent._pricing.estimate.said import read_evidence

DATA = EstimateData.load()
EVIDENCE = DATA.evidence


def times(category: str) -> Any:
    found = DATA.labour.times(category, "hatch")
    assert found is not None
    return found[0]


def ops(report: PartsReport, category: str) -> dict[str, Decimal]:
    return {op.operation: op.hours for op in report.operations if op.category.name == category}


@pytest.mark.parametrize(
    ("words", "column"),
    [
        pytest.param("a tiny ding in the bonnet", "minor", id="tiny"),
        pytest.param("small dent on the bonnet", "minor", id="small"),
        pytest.param("bonnet dented, about the size of a fist", "moderate", id="fist"),
        pytest.param("bonnet has a 9cm dent", "moderate", id="9cm"),
        pytest.param("large dent in the bonnet", "severe", id="large"),
        pytest.param("bonnet dented, roughly 20 cm across", "severe", id="20cm"),
    ],
)
async def test_dent_size_chooses_the_repair_time(
    sample_agent: PartsAgent, words: str, column: str
) -> None:
    """A conventional repair is timed by the dent's size, not only by the severity word."""
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    bonnet = ops(report, "Bonnet")
    assert bonnet["repair"] == getattr(times("Bonnet").repair, column)
    assert "refinish" in bonnet


@pytest.mark.parametrize(
    ("words", "hours"),
    [
        pytest.param("tiny ding in the bonnet, paint intact, PDR", "0.5", id="tiny"),
        pytest.param("bonnet has a 4 cm dent, paint intact", "1.0", id="4cm"),
        pytest.param("fist-sized dent in the bonnet, paint not broken, PDR", "2.0", id="fist"),
    ],
)
async def test_paintless_repair_is_timed_by_size(
    sample_agent: PartsAgent, words: str, hours: str
) -> None:
    """Paintless repair takes the dent table's time for the size; nothing is refinished."""
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert ops(report, "Bonnet") == {"repair": Decimal(hours)}


async def test_past_a_size_paintless_repair_is_not_offered(sample_agent: PartsAgent) -> None:
    """A dent the size of a dinner plate, asked as PDR, is repaired and refinished, and said so."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "bonnet dented, PDR, a dent the size of a dinner plate"
    )
    bonnet = ops(report, "Bonnet")
    assert bonnet["repair"] == times("Bonnet").repair.severe
    assert "refinish" in bonnet
    assert any("too large for paintless repair" in w for w in report.warnings)


async def test_a_dent_across_the_whole_panel_is_a_new_panel(sample_agent: PartsAgent) -> None:
    """Past the last repairable size, the panel is replaced and refinished."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "N/S front door dented along its full length"
    )
    assert set(ops(report, "Front Door Shell")) >= {"replace", "refinish"}


async def test_equal_parts_with_other_sizes_never_share_a_cached_estimate(
    sample_agent: PartsAgent,
) -> None:
    """The same part at the same severity, a tiny and a large dent: two estimates."""
    small = await sample_agent.process_damage_report(ASTRA_2018, "bonnet dented, tiny")
    large = await sample_agent.process_damage_report(ASTRA_2018, "bonnet dented, large")
    assert ops(small, "Bonnet")["repair"] < ops(large, "Bonnet")["repair"]


@pytest.mark.parametrize(
    ("words", "count"),
    [
        pytest.param("hail damage: 3 dents on the bonnet", 3, id="three"),
        pytest.param("hailstorm, a dozen dents in the bonnet", 12, id="dozen"),
        pytest.param("hail: dozens of dents on the bonnet", 40, id="dozens"),
        pytest.param("hail, about twenty dents across the bonnet", 20, id="twenty-in-words"),
    ],
)
async def test_hail_is_timed_by_its_count(sample_agent: PartsAgent, words: str, count: int) -> None:
    """Hail dents are worked out paintless, timed by the count on the panel."""
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    band = EVIDENCE.hail.band(count)
    assert band.pdr is not None
    assert ops(report, "Bonnet") == {"repair": band.pdr}
    (repair,) = [op for op in report.operations if op.operation == "repair"]
    assert f"about {count} dents" in repair.description


async def test_hail_past_paintless_repair_is_repaired_and_refinished(
    sample_agent: PartsAgent,
) -> None:
    """Hundreds of hail dents: no paintless repair; repaired and refinished, with a warning."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "hail storm left hundreds of dents in the bonnet"
    )
    assert set(ops(report, "Bonnet")) == {"repair", "refinish"}
    assert any("too many for paintless repair" in w for w in report.warnings)


async def test_hail_without_a_count_says_what_it_assumed(sample_agent: PartsAgent) -> None:
    """No count: the default count is priced, and the warning asks for the count."""
    report = await sample_agent.process_damage_report(ASTRA_2018, "hail damage to the bonnet")
    assert any("count not given" in w for w in report.warnings)


async def test_a_part_knocked_loose_is_refitted_not_bought(sample_agent: PartsAgent) -> None:
    """Knocked loose, not damaged: remove and refit, no parts line."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "O/S headlamp knocked loose, not damaged"
    )
    assert "Headlamp" not in {ln.category.name for ln in report.lines}
    assert "remove_refit" in ops(report, "Headlamp")
    assert "replace" not in ops(report, "Headlamp")


async def test_a_loose_part_that_is_also_broken_is_bought(sample_agent: PartsAgent) -> None:
    """Loose and cracked is damaged: replaced as before."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "O/S headlamp knocked loose and cracked"
    )
    assert "replace" in ops(report, "Headlamp")


async def test_loose_is_read_for_its_own_part(sample_agent: PartsAgent) -> None:
    """A grille popped out beside a cracked headlamp is refitted; the headlamp is bought."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018, "grille popped out, N/S headlamp cracked"
    )
    assert "remove_refit" in ops(report, "Radiator Grille")
    assert "replace" in ops(report, "Headlamp")


async def test_a_new_mirror_brings_its_glass(sample_agent: PartsAgent) -> None:
    """Mirror and its glass both damaged: the assembly is bought, the glass is not again."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018,
        [
            {"component": "left door mirror", "severity": "severe"},
            {"component": "left mirror glass", "severity": "moderate"},
        ],
    )
    bought = {ln.category.name for ln in report.lines}
    assert "Door Mirror" in bought
    assert "Mirror Glass" not in bought
    assert ops(report, "Mirror Glass") == {}
    assert any("comes with the new Door Mirror" in w for w in report.warnings)
    assert "Mirror Glass" in {d.category.name for d in report.damaged}


async def test_the_cooling_pack_pays_its_access_once(sample_agent: PartsAgent) -> None:
    """Radiator and condenser replaced together: the shorter loses the shared access hours."""
    report = await sample_agent.process_damage_report(
        ASTRA_2018,
        [
            {"component": "radiator", "severity": "severe"},
            {"component": "AC condenser", "severity": "severe"},
        ],
    )
    (group,) = DATA.labour.shared_access
    radiator, condenser = times("Radiator").replace, times("AC Condenser").replace
    assert ops(report, "Radiator")["replace"] == min(radiator, condenser) - group.hours
    assert ops(report, "AC Condenser")["replace"] == max(radiator, condenser)


async def test_a_secondary_part_the_build_does_not_carry_is_not_added(
    sample_agent: PartsAgent,
) -> None:
    """The Astra built without sensors: a smashed bumper brings no parking sensor at all."""
    report = await sample_agent.process_damage_report(
        {"make": "Vauxhall", "model": "Astra", "year": 2012, "variant_id": "127431"},
        [{"component": "front bumper", "severity": "severe"}],
    )
    named = {op.category.name for op in report.operations}
    assert "Front Parking Sensor" not in named
    assert not any("Front Parking Sensor" in w for w in report.warnings)


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("front bumper smashed, the B-pillar is bent", id="b-pillar"),
        pytest.param("Hit a wall. Car not driveable, bonnet crumpled", id="not-driveable"),
        pytest.param("bonnet crushed and both front airbags deployed", id="airbags"),
        pytest.param("N/S front wing smashed, the wheel is pushed back", id="wheel-pushed-back"),
        pytest.param("rear bumper hanging off; chassis leg kinked", id="chassis-leg"),
    ],
)
async def test_structure_and_airbags_put_a_banner_first(
    sample_agent: PartsAgent, words: str
) -> None:
    """The estimate cannot cover them: the banner comes first and confidence is at most 0.5."""
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert report.warnings[0].startswith("INSPECTION NEEDED")
    assert "total-loss review" in report.warnings[0]
    assert report.confidence <= 0.5


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("front bumper scuffed, no structural damage", id="no-structural"),
        pytest.param("bonnet dented. Airbags did not deploy.", id="airbags-not-deployed"),
        pytest.param("No damage to the mirrors, wheels or sills. Bonnet dented.", id="denied-list"),
        pytest.param("bonnet dented, car is driveable", id="driveable"),
        pytest.param("N/S sill scraped on a kerb, bonnet dented", id="sill-only-scraped"),
    ],
)
async def test_denied_structure_is_no_banner(sample_agent: PartsAgent, words: str) -> None:
    """Structure and airbags said not to be damaged raise nothing."""
    report = await sample_agent.process_damage_report(ASTRA_2018, words)
    assert not any(w.startswith("INSPECTION NEEDED") for w in report.warnings)
    assert report.confidence > 0.5


def test_equipment_words_name_catalog_equipment() -> None:
    """Named equipment maps to the catalog's equipment ids; a denied one does not."""
    said = read_evidence("Has the lane assist camera and rear PDC. No radar.", EVIDENCE)
    assert said.equipment == ("rear_parking_sensors", "windscreen_camera")


def test_equipment_said_to_be_sound_is_still_there() -> None:
    """'The radar is fine' says the car has one; 'not fitted' says it has none."""
    assert read_evidence("front radar is fine, bumper scuffed", EVIDENCE).equipment == (
        "front_radar",
    )
    assert read_evidence("parking sensors not fitted", EVIDENCE).equipment == ()
