"""PartsAgent end to end: the seed scenario, report cache, inputs, determinism."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal
from typing import Any

import pytest

from partsagent import DamagedPart, InputError, PartsAgent, PartsReport, UsageError, Vehicle
from partsagent.catalog import BucketManager, HttpBucket
from partsagent.planning import Plan, PlanRequest, RulesPlanner
from partsagent.testing import CatalogServer, ServerOptions

SEED_VEHICLE = {"make": "Vauxhall", "model": "Astra", "year": 2018}
SEED_DAMAGE = [
    {"component": "Front Bumper Cover", "severity": "severe"},
    {"component": "Headlight Assembly", "severity": "moderate"},
    {"component": "Hood", "severity": "minor"},
]


def meaning(report: PartsReport) -> dict[str, Any]:
    """Everything but the performance figures, which differ run to run."""
    return report.model_dump(mode="json", exclude={"performance"})


@pytest.fixture
async def agent() -> Any:
    async with PartsAgent() as a:
        yield a


async def test_seed_scenario_is_an_estimate(agent: PartsAgent) -> None:
    """The seed scenario: bought parts with their lines, the scuffed bonnet only refinished."""
    report = await agent.process_damage_report(SEED_VEHICLE, SEED_DAMAGE)
    reasons = [line.reason for line in report.lines]
    assert {"damaged", "secondary"} <= set(reasons)
    assert reasons == sorted(reasons, key=["damaged", "secondary", "consumable"].index)
    damaged = {line.category.name: line for line in report.lines if line.reason == "damaged"}
    assert set(damaged) == {"Front Bumper Cover", "Headlamp"}  # the bonnet is not bought
    names = {line.category.name for line in report.lines}
    assert "Front Bumper Reinforcement" in names
    assert not {"Paint", "Primer", "Clear Coat"} & names  # paint materials, not tins
    ops = {(op.operation, op.category.name) for op in report.operations}
    assert {("replace", "Front Bumper Cover"), ("refinish", "Bonnet")} <= ops
    assert ("replace", "Bonnet") not in ops
    assert report.vehicle.manufacturer.name == "VAUXHALL"
    assert report.vehicle.model.name == "ASTRA"
    assert {v.id for v in report.vehicle.variants} >= {"127445", "127446", "127447"}
    parts = sum((line.line_total.amount for line in report.lines), Decimal(0))
    assert report.totals.parts.amount + report.totals.consumables.amount == parts > 0
    assert report.totals.total.amount > report.totals.net.amount > parts
    assert report.totals.total.currency == "GBP"
    for line in report.lines:
        assert line.why
        assert line.price.amount > 0
        assert all(a.article.id != line.article.id for a in line.alternatives)
        for alt in line.alternatives:
            assert alt.price_difference.amount == alt.price.amount - line.price.amount
    assert 0 < report.confidence <= 1
    perf = report.performance
    assert perf["report_cache"] == "miss"
    assert perf["catalog_requests"] > 0
    assert "tool.search_parts" in perf["tools"]


async def test_json_prices_are_decimal_strings(agent: PartsAgent) -> None:
    """model_dump(mode='json') carries prices as strings, never floats."""
    report = await agent.process_damage_report(SEED_VEHICLE, SEED_DAMAGE)
    line = report.model_dump(mode="json")["lines"][0]
    assert isinstance(line["price"]["amount"], str)
    assert Decimal(line["price"]["amount"]) > 0
    assert PartsReport.model_validate(report.model_dump(mode="json")) == report


async def test_embedded_and_http_catalogs_give_the_same_report(
    catalog_server: CatalogServer,
) -> None:
    """The seed scenario is identical from the embedded catalog and over HTTP."""
    async with PartsAgent() as local, PartsAgent(catalog_server.url) as remote:
        a = await local.process_damage_report(SEED_VEHICLE, SEED_DAMAGE)
        b = await remote.process_damage_report(SEED_VEHICLE, SEED_DAMAGE)
    assert meaning(a) == meaning(b)
    assert catalog_server.stats.total > 0


async def test_same_input_same_report(agent: PartsAgent) -> None:
    """Two fresh agents produce identical reports, lines in the same order."""
    async with PartsAgent() as other:
        a = await agent.process_damage_report(SEED_VEHICLE, SEED_DAMAGE)
        b = await other.process_damage_report(SEED_VEHICLE, list(reversed(SEED_DAMAGE)))
    assert meaning(a)["lines"] == meaning(b)["lines"]


async def test_cached_report_needs_no_catalog_request(catalog_server: CatalogServer) -> None:
    """A repeated report is served from the report cache with zero requests."""
    async with PartsAgent(catalog_server.url) as agent:
        first = await agent.process_damage_report(SEED_VEHICLE, SEED_DAMAGE)
        before = catalog_server.stats.total
        again = await agent.process_damage_report(SEED_VEHICLE, SEED_DAMAGE)
    assert catalog_server.stats.total == before
    assert again.performance["report_cache"] == "hit"
    assert meaning(again) == meaning(first)


async def test_synonyms_order_and_case_share_a_report(agent: PartsAgent) -> None:
    """'Hood' and 'bonnet', order and case: the same report from the cache."""
    first = await agent.process_damage_report(SEED_VEHICLE, SEED_DAMAGE)
    again = await agent.process_damage_report(
        {"make": "OPEL", "model": "astra", "year": 2018},
        [
            {"component": "bonnet", "severity": "minor"},
            {"component": "headlamp", "severity": "moderate"},
            {"component": "front bumper cover", "severity": "severe"},
        ],
    )
    assert again.performance["report_cache"] == "hit"
    assert [ln.article for ln in again.lines] == [ln.article for ln in first.lines]
    assert again.operations == first.operations
    assert again.totals == first.totals
    said = {ln.category.name: ln.component for ln in again.lines if ln.reason == "damaged"}
    assert said["Headlamp"] == "headlamp"  # each caller sees its own words
    assert first.vehicle.resolved_by == "exact"
    assert again.vehicle.resolved_by == "alias"  # and how its own vehicle was resolved
    assert any("OPEL" in note for note in again.vehicle.notes)


async def test_different_severity_is_a_different_report(agent: PartsAgent) -> None:
    """A minor bumper scuff is not the severe hit: no reinforcement is added."""
    severe = await agent.process_damage_report(
        SEED_VEHICLE, [{"component": "front bumper", "severity": "severe"}]
    )
    minor = await agent.process_damage_report(
        SEED_VEHICLE, [{"component": "front bumper", "severity": "minor"}]
    )
    assert minor.performance["report_cache"] == "miss"
    assert "Front Bumper Reinforcement" in {line.category.name for line in severe.lines}
    assert "Front Bumper Reinforcement" not in {line.category.name for line in minor.lines}


async def test_identical_concurrent_reports_are_computed_once(
    catalog_server: CatalogServer,
) -> None:
    """Twenty identical reports at once: one computation, one set of catalog requests."""
    catalog_server.options = ServerOptions(latency_ms=20)
    async with PartsAgent(catalog_server.url) as agent:
        reports = await asyncio.gather(
            *(agent.process_damage_report(SEED_VEHICLE, SEED_DAMAGE) for _ in range(20))
        )
        stats = agent.reports.stats()
    assert stats["misses"] == 1
    assert len({str(meaning(r)) for r in reports}) == 1
    assert sum(r.performance["report_cache"] == "miss" for r in reports) == 1


async def test_seen_vehicle_reuses_catalog_lookups(catalog_server: CatalogServer) -> None:
    """A new damage report for a vehicle already seen makes far fewer requests."""
    async with PartsAgent(catalog_server.url) as agent:
        first = await agent.process_damage_report(SEED_VEHICLE, SEED_DAMAGE)
        second = await agent.process_damage_report(
            SEED_VEHICLE, [{"component": "N/S door mirror", "severity": "moderate"}]
        )
    assert second.performance["report_cache"] == "miss"
    assert second.performance["catalog_requests"] < first.performance["catalog_requests"]
    assert second.performance["cache_hits"] > 0


async def test_free_text_extracts_parts_and_returns_the_rest(agent: PartsAgent) -> None:
    """Free text: the bumper and the left fog lamp are found; the bollard is not priced."""
    report = await agent.process_damage_report(
        SEED_VEHICLE, "hit a bollard, front bumper smashed and the left fog light is broken"
    )
    damaged = {
        (ln.category.name, ln.position.side) for ln in report.lines if ln.reason == "damaged"
    }
    assert ("Front Bumper Cover", None) in damaged
    assert ("Fog Lamp", "left") in damaged
    assert report.not_priced == ()  # the story is neither priced nor a part to confirm
    assert "Front Bumper Reinforcement" in {ln.category.name for ln in report.lines}


@pytest.mark.parametrize(
    ("market", "side"),
    [pytest.param("GB", "left", id="GB-passenger-is-left"), pytest.param("US", "right", id="US")],
)
async def test_sides_depend_on_the_market(market: str, side: str) -> None:
    """A passenger door mirror is on the left in GB and on the right in the US."""
    async with PartsAgent(market=market) as agent:
        report = await agent.process_damage_report(
            SEED_VEHICLE, [{"component": "passenger door mirror", "severity": "moderate"}]
        )
    line = next(ln for ln in report.lines if ln.reason == "damaged")
    assert line.category.name == "Door Mirror"
    assert line.position.side == side


async def test_unknown_component_is_not_priced_and_the_rest_goes_on(agent: PartsAgent) -> None:
    """An unknown component is listed as not priced; the known ones are priced."""
    report = await agent.process_damage_report(
        SEED_VEHICLE,
        [{"component": "flux capacitor"}, {"component": "bonnet", "severity": "minor"}],
    )
    assert [u.phrase for u in report.not_priced] == ["flux capacitor"]
    assert [(op.operation, op.category.name) for op in report.operations] == [
        ("refinish", "Bonnet"),
        ("blend", "Wing"),
        ("blend", "Wing"),
    ]


async def test_models_and_dicts_are_both_accepted(agent: PartsAgent) -> None:
    """Vehicle and DamagedPart models give the same report as dicts."""
    a = await agent.process_damage_report(
        Vehicle(make="Vauxhall", model="Astra", year=2018),
        [DamagedPart(component="Front Bumper Cover", severity="severe")],
    )
    b = await agent.process_damage_report(SEED_VEHICLE, [SEED_DAMAGE[0]])
    assert meaning(a) == meaning(b)


async def test_vin_report(agent: PartsAgent) -> None:
    """A VIN that decodes to a catalog vehicle gives a report resolved by VIN."""
    report = await agent.process_damage_report(
        {"vin": "WVWZZZAUZJW000001", "model": "Golf"}, [{"component": "bonnet"}]
    )
    assert report.vehicle.manufacturer.name == "VOLKSWAGEN"
    assert report.vehicle.vin is not None
    assert report.vehicle.resolved_by.startswith("vin")


@pytest.mark.parametrize(
    ("vehicle", "damage", "match"),
    [
        pytest.param(
            {"make": "Trabant", "model": "601", "year": 1980},
            SEED_DAMAGE,
            "make",
            id="unknown-make",
        ),
        pytest.param(
            {"make": "Vauxhall", "model": "Astra", "year": 1990},
            SEED_DAMAGE,
            "1990",
            id="year-out-of-range",
        ),
        pytest.param({"make": "Vauxhall"}, SEED_DAMAGE, "model", id="no-model"),
        pytest.param(SEED_VEHICLE, [], "at least one", id="no-damage"),
        pytest.param(SEED_VEHICLE, [{"component": ""}], "component", id="empty-component"),
        pytest.param(
            SEED_VEHICLE,
            [{"component": "bonnet", "severity": "awful"}],
            "severity",
            id="unknown-severity",
        ),
        pytest.param(SEED_VEHICLE, "   ", "empty", id="blank-text"),
        pytest.param({"vin": "NOTAVIN"}, SEED_DAMAGE, "VIN", id="bad-vin"),
        pytest.param("Vauxhall Astra", SEED_DAMAGE, "vehicle", id="vehicle-not-a-dict"),
    ],
)
async def test_bad_input_is_an_input_error(
    agent: PartsAgent, vehicle: Any, damage: Any, match: str
) -> None:
    """Bad input raises InputError with a message that names the problem."""
    with pytest.raises(InputError, match=match):
        await agent.process_damage_report(vehicle, damage)


async def test_closed_agent_refuses_work() -> None:
    """After aclose, the agent raises UsageError."""
    agent = PartsAgent()
    async with agent:
        pass
    with pytest.raises(UsageError):
        await agent.process_damage_report(SEED_VEHICLE, SEED_DAMAGE)


async def test_agent_accepts_a_source_instance(catalog_server: CatalogServer) -> None:
    """A CatalogSource instance works as the catalog, and the agent closes it."""
    source = HttpBucket(catalog_server.url)
    async with PartsAgent(source) as agent:
        report = await agent.process_damage_report(SEED_VEHICLE, SEED_DAMAGE)
    assert report.lines
    with pytest.raises(UsageError):
        await source.manufacturers()


class _PartsOnly:
    """A planner of a caller's own: the rules' parts, without the build they read."""

    name = "parts-only"

    def __init__(self) -> None:
        self.rules = RulesPlanner()

    async def plan(self, catalog: BucketManager, request: PlanRequest) -> Plan:
        return dataclasses.replace(await self.rules.plan(catalog, request), build=None)

    async def aclose(self) -> None:
        await self.rules.aclose()


async def test_a_planner_that_leaves_the_build_out_gets_it_read_once() -> None:
    """The build of a planner of one's own is read by the agent, the same way the rules read
    it: the same report, and the variant id is still checked."""
    astra = {"make": "Vauxhall", "model": "Astra", "year": 2019}
    async with PartsAgent(planner=_PartsOnly()) as own, PartsAgent() as rules:
        mine = await own.process_damage_report(astra, "estate: tailgate smashed")
        theirs = await rules.process_damage_report(astra, "estate: tailgate smashed")
        with pytest.raises(InputError, match="not one of this vehicle's variants"):
            await own.process_damage_report({**astra, "variant_id": "999999"}, "bonnet dented")
    assert mine.vehicle.build is not None
    assert (mine.vehicle.build.variants, mine.vehicle.build.chosen_by) == (("127448",), "words")
    assert meaning(mine) == meaning(theirs)
