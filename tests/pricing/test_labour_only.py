"""Labour-only panels: a damaged panel the catalog has no part for (roof, quarter panel,
sill, pillar, mirror cap) is repaired and refinished on the car, priced as labour; only a
new one is a part to price by hand. Hail dents are counted per panel."""

from __future__ import annotations

from decimal import Decimal

import pytest

from partsagent import PartsAgent, PartsReport

GOLF = {"make": "Volkswagen", "model": "Golf", "year": 2018}
COROLLA = {"make": "Toyota", "model": "Corolla", "year": 2019}
COROLLA_AU = {"make": "Toyota", "model": "Corolla", "year": 2020}


def work(report: PartsReport, name: str) -> dict[str, Decimal]:
    """The operations on a part (not blends) and their hours."""
    return {
        op.operation: op.hours
        for op in report.operations
        if op.category.name == name and op.operation != "blend"
    }


@pytest.mark.parametrize(
    ("vehicle", "market", "words", "part", "side", "operations"),
    [
        pytest.param(GOLF, "GB", "Branch fell on the roof, roof panel dented", "Roof", None,
                     {"repair", "refinish"}, id="gb-roof"),
        pytest.param(COROLLA, "US", "RR quarter panel dented, about 8 cm across",
                     "Rear Wing/Quarter", "right", {"repair", "refinish"}, id="us-quarter"),
        pytest.param(COROLLA_AU, "AU", "driver's side sill scratched from a kerb, nothing else",
                     "Sill", "right", {"refinish"}, id="au-sill-rhd"),
        pytest.param(GOLF, "IE", "N/S mirror cap scuffed against a wall, glass fine",
                     "Mirror Cover", "left", {"refinish"}, id="ie-mirror-cap"),
    ],
)  # fmt: skip
async def test_a_panel_the_catalog_lacks_is_priced_as_labour(
    sample_agent: PartsAgent,
    vehicle: dict[str, object],
    market: str,
    words: str,
    part: str,
    side: str | None,
    operations: set[str],
) -> None:
    """Its repair and refinish are operations with hours; the report no longer totals 0, and
    nothing asks to price it by hand."""
    report = await sample_agent.process_damage_report(vehicle, words, market=market)
    ops = [op for op in report.operations if op.category.name == part and op.operation != "blend"]
    assert {op.operation for op in ops} == operations
    assert all(op.hours > 0 and op.line is None and op.position.side == side for op in ops)
    assert report.totals.labour.amount > 0
    assert report.totals.total.amount > 0
    assert report.lines == () or all(ln.category.name != part for ln in report.lines)
    assert not report.has_warning("not_priced")
    assert [d.category.name for d in report.damaged if d.category.id.startswith("absent-")] == [
        part
    ]


async def test_the_hours_stated_for_such_a_panel_are_its_hours(sample_agent: PartsAgent) -> None:
    """ "quarter 4.0h" is that panel's repair at 4.0 h, as stated."""
    report = await sample_agent.process_damage_report(
        GOLF, "O/S rear quarter: pull and dress 4.0h, then refinish"
    )
    hours = work(report, "Rear Wing/Quarter")
    assert hours["repair"] == Decimal("4.0")
    assert "refinish" in hours


async def test_a_new_panel_the_catalog_lacks_is_flagged_to_price_by_hand(
    sample_agent: PartsAgent,
) -> None:
    """Its fitting and refinish are priced, the part itself is not: said, and trusted less."""
    report = await sample_agent.process_damage_report(
        COROLLA, "LR quarter panel crushed by a pickup, needs replacing", market="US"
    )
    hours = work(report, "Rear Wing/Quarter")
    assert set(hours) == {"replace", "refinish"}
    assert hours["replace"] > 0
    assert report.has_warning("not_priced")
    assert report.has_warning("no_article")
    assert any("price it by hand" in w for w in report.warnings)
    assert report.confidence < 0.5


async def test_a_structural_panel_keeps_its_banner(sample_agent: PartsAgent) -> None:
    """A pushed-in B pillar gets its labour and still the inspection banner first."""
    report = await sample_agent.process_damage_report(
        GOLF, "O/S B pillar pushed in, O/S front door dented"
    )
    assert report.coded_warnings[0].code == "inspection_needed"
    assert work(report, "Pillar")
    assert report.confidence <= 0.5


async def test_a_part_the_catalog_lacks_that_is_not_a_panel_is_still_listed(
    sample_agent: PartsAgent,
) -> None:
    """A kerbed alloy or a cracked sunroof is no panel to work on: not priced, listed."""
    report = await sample_agent.process_damage_report(
        GOLF, "N/S front alloy kerbed, sunroof glass cracked"
    )
    assert report.operations == ()
    assert {u.reason for u in report.not_priced} == {"not_in_catalog"}


# Hail: each panel keeps its own dent count.


@pytest.mark.parametrize(
    ("vehicle", "market", "words", "expected"),
    [
        pytest.param(COROLLA, "US", "Hail: roof about 40 dents, hood 10 dents, trunk lid 3 dings",
                     {"Roof": "5.0", "Bonnet": "2.0", "Tailgate": "1.0"}, id="us-three-counts"),
        pytest.param(GOLF, "GB", "Hailstorm. Bonnet has about a dozen dents, roof the same.",
                     {"Bonnet": "2.0", "Roof": "2.0"}, id="gb-the-same"),
        pytest.param(COROLLA_AU, "AU", "Hail damage: bonnet 12 dents, both guards 3 dents each",
                     {"Bonnet": "2.0", "Wing": "1.0"}, id="au-guards"),
        pytest.param(GOLF, "GB", "PDR hail: Roof x35, Bonnet x12",
                     {"Roof": "5.0", "Bonnet": "2.0"}, id="gb-times-count"),
        pytest.param(COROLLA, "US", "hail storm - approx 40 dings on the roof and about 12 on "
                     "the hood, PDR", {"Roof": "5.0", "Bonnet": "2.0"}, id="us-count-before-part"),
        pytest.param(COROLLA_AU, "AU", "hail - bonnet maybe 4, roof about 40",
                     {"Bonnet": "1.0", "Roof": "5.0"}, id="au-bare-numbers"),
    ],
)  # fmt: skip
async def test_each_panel_keeps_its_own_hail_count(
    sample_agent: PartsAgent,
    vehicle: dict[str, object],
    market: str,
    words: str,
    expected: dict[str, str],
) -> None:
    report = await sample_agent.process_damage_report(vehicle, words, market=market)
    for name, hours in expected.items():
        got = {op.hours for op in report.operations if op.category.name == name}
        assert got == {Decimal(hours)}, name
    assert not report.has_warning("hail_count_assumed")


async def test_a_panel_with_no_hail_count_is_flagged_not_given_anothers(
    sample_agent: PartsAgent,
) -> None:
    """ "Hood - hail dents" beside "Roof - approx 40 hail dents": the hood is priced at the
    table's default count and asked for its own, never the roof's 40."""
    report = await sample_agent.process_damage_report(
        COROLLA,
        [{"component": "Hood - hail dents"}, {"component": "Roof - approx 40 hail dents"}],
        market="US",
    )
    assert work(report, "Bonnet")["repair"] == Decimal("3.5")  # 25 dents, the default
    assert work(report, "Roof")["repair"] == Decimal("5.0")  # its own 40
    assert any(w.code == "hail_count_assumed" and w.part == "Bonnet" for w in report.coded_warnings)


async def test_a_count_said_for_the_whole_car_is_every_panels(sample_agent: PartsAgent) -> None:
    report = await sample_agent.process_damage_report(
        GOLF, "Hail damage, around 12 dents in all. Bonnet and tailgate dented by hail."
    )
    assert work(report, "Bonnet")["repair"] == Decimal("2.0")
    assert work(report, "Tailgate")["repair"] == Decimal("2.0")


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("Hail: bonnet 5 cm dent, roof dented", id="a-size"),
        pytest.param("Hail damage - bonnet, roof; approx 1.5h each", id="hours"),
        pytest.param("hail on the bonnet and roof, quoted 250 pounds elsewhere", id="a-price"),
    ],
)
async def test_a_number_that_is_no_count_is_not_a_hail_count(
    sample_agent: PartsAgent, words: str
) -> None:
    """Sizes, hours and prices beside a panel are never its dent count: the count is asked."""
    report = await sample_agent.process_damage_report(GOLF, words)
    assert report.has_warning("hail_count_assumed")
