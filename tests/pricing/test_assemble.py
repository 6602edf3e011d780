"""Assembling a report from what was read: not priced, total loss, alternatives, market words."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from partsagent import InputError, PartsAgent, PartsReport
from partsagent._planning.rules import RulesPlanner
from partsagent._pricing.plan import Plan, PlanRequest
from partsagent._pricing.search import QUALITY_RANK
from partsagent._reading.reader import PRICE_THRESHOLD
from partsagent.catalog import BucketManager

ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}
TESLA = {"make": "Tesla", "model": "Model 3", "year": 2021}


@pytest.fixture
async def agent() -> AsyncIterator[PartsAgent]:
    async with PartsAgent(warm_vehicle=False) as a:
        yield a


def damaged(report: PartsReport) -> list[tuple[str, str | None, str | None, int]]:
    """Every damaged part read, bought or only repaired."""
    return sorted(
        (d.category.id, d.position.axle, d.position.side, d.quantity) for d in report.damaged
    )


class _DoubtfulPlanner:
    """A planner of its own: the rules' plan with one damaged need's confidence lowered."""

    name = "doubtful"

    async def plan(self, catalog: BucketManager, request: PlanRequest) -> Plan:
        plan = await RulesPlanner().plan(catalog, request)
        first = next(i for i, n in enumerate(plan.needs) if n.reason == "damaged")
        plan.needs[first] = replace(plan.needs[first], confidence=0.3)
        return plan

    async def aclose(self) -> None:
        return None


async def test_no_planner_gets_a_need_under_the_threshold_priced() -> None:
    """Whatever the planner, a damaged need under the threshold is listed, not priced."""
    async with PartsAgent(planner=_DoubtfulPlanner(), warm_vehicle=False) as agent:
        report = await agent.process_damage_report(
            ASTRA, [{"component": "bonnet", "severity": "minor"}, {"component": "N/S wing"}]
        )
    assert all(d.confidence >= PRICE_THRESHOLD for d in report.damaged)
    assert all(ln.confidence >= PRICE_THRESHOLD for ln in report.lines if ln.reason == "damaged")
    assert [(u.phrase, u.reason) for u in report.not_priced] == [("bonnet", "low_confidence")]
    assert report.not_priced[0].guesses[0].category_name == "Bonnet"


async def test_the_story_is_not_a_part_to_confirm(agent: PartsAgent) -> None:
    """The story is neither priced nor listed to confirm (issue 21); the parts are priced."""
    report = await agent.process_damage_report(
        ASTRA, "Reversed into a bollard in the car park. Rear bumper cracked."
    )
    assert damaged(report) == [("CAT004", "rear", None, 1)]
    assert report.not_priced == ()
    assert "CAT030" not in {ln.category.id for ln in report.lines}
    assert "CAT030" not in {op.category.id for op in report.operations}


async def test_total_loss_warns_first_and_prices_only_what_is_named(agent: PartsAgent) -> None:
    """ "Written off" is the first warning; the named wing and bonnet are still priced."""
    report = await agent.process_damage_report(
        ASTRA, "Insurer has written it off. N/S/F wing crumpled and the bonnet is buckled"
    )
    assert report.total_loss
    assert report.warnings[0].startswith("POSSIBLE TOTAL LOSS")
    assert "'written it off'" in report.warnings[0]
    assert damaged(report) == [("CAT003", "front", None, 1), ("CAT016", "front", "left", 1)]
    plain = await agent.process_damage_report(
        ASTRA, "N/S/F wing crumpled and the bonnet is buckled"
    )
    assert not plain.total_loss
    assert plain.performance["report_cache"] == "miss"  # a total loss is part of the meaning


async def test_alternatives_are_the_same_part_once_per_brand_and_quality(
    agent: PartsAgent,
) -> None:
    """No side given: alternatives are the chosen side's, each brand and quality once, ranked."""
    report = await agent.process_damage_report(ASTRA, [{"component": "headlight"}])
    line = next(ln for ln in report.lines if ln.reason == "damaged")
    assert line.alternatives
    articles = {
        a.id: a
        for v in report.vehicle.variants
        for a in await agent.catalog.get_articles_for_category(
            report.vehicle.manufacturer.id, v.id, line.category.id
        )
    }
    chosen = articles[line.article.id].position
    assert all(articles[alt.article.id].position == chosen for alt in line.alternatives)
    kinds = [(alt.article.brand, alt.article.quality) for alt in line.alternatives]
    assert len(set(kinds)) == len(kinds)
    assert (line.article.brand, line.article.quality) not in kinds
    ranks = [
        (not alt.fits_all_variants, QUALITY_RANK[alt.article.quality], alt.price.amount)
        for alt in line.alternatives
    ]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize(
    ("market", "words"),
    [
        pytest.param("US", {"CAT003": "Hood", "CAT016": "Fender", "CAT022": "Windshield"}, id="US"),
        pytest.param("GB", {"CAT003": "Bonnet", "CAT016": "Wing", "CAT022": "Windscreen"}, id="GB"),
        pytest.param("UK", {"CAT003": "Bonnet", "CAT016": "Wing", "CAT022": "Windscreen"}, id="UK"),
    ],
)
async def test_the_report_speaks_the_markets_words(
    agent: PartsAgent, market: str, words: dict[str, str]
) -> None:
    """The catalog keeps one name; each line carries the market's word beside it."""
    report = await agent.process_damage_report(
        ASTRA,
        "bonnet dented, O/S wing dented, windscreen cracked",
        market=market,
    )
    shown = {d.category.id: d.category.market_name for d in report.damaged}
    assert shown == words
    assert {d.category.id: d.category.name for d in report.damaged}["CAT003"] == "Bonnet"
    repaired = {op.category.market_name for op in report.operations if op.operation == "repair"}
    assert words["CAT003"] in repaired  # a dented bonnet is repaired: its operations say it too
    assert report.market == ("GB" if market == "UK" else market)
    dumped = report.model_dump(mode="json")["damaged"][0]["category"]
    assert set(dumped) == {"id", "name", "market_name"}


@pytest.mark.parametrize(("market", "word"), [("GB", "Boot Lid"), ("US", "Trunk Lid")])
async def test_a_saloons_tailgate_is_a_boot_lid(agent: PartsAgent, market: str, word: str) -> None:
    """Every Model 3 is a saloon: its CAT027 is the boot (trunk) lid, not a tailgate."""
    report = await agent.process_damage_report(TESLA, "trunk lid dented", market=market)
    assert [d.category.market_name for d in report.damaged] == [word]


async def test_a_count_is_part_of_the_meaning(agent: PartsAgent) -> None:
    """ "both backup sensors" and "backup sensor" are different reports (quantity 2 and 1)."""
    two = await agent.process_damage_report(ASTRA, "both rear parking sensors smashed")
    one = await agent.process_damage_report(ASTRA, "rear parking sensor smashed")
    assert damaged(two) == [("CAT030", "rear", None, 2)]
    assert damaged(one) == [("CAT030", "rear", None, 1)]


async def test_a_left_out_severity_is_read_from_the_words(agent: PartsAgent) -> None:
    """{"component": "bonnet buckled"} is severe; the same with "moderate" given is moderate."""
    words = await agent.process_damage_report(ASTRA, [{"component": "bonnet buckled"}])
    given = await agent.process_damage_report(
        ASTRA, [{"component": "bonnet buckled", "severity": "moderate"}]
    )
    assert [d.severity for d in words.damaged] == ["severe"]
    assert [d.severity for d in given.damaged] == ["moderate"]


async def test_a_shared_report_lists_each_callers_own_unread_phrases(agent: PartsAgent) -> None:
    """Two wordings of one damage share the priced report, not each other's story."""
    first = await agent.process_damage_report(ASTRA, "rear screen smashed, bonnet dented")
    second = await agent.process_damage_report(ASTRA, "alloy kerbed, bonnet dented")
    assert second.performance["report_cache"] == "hit"
    assert [u.phrase for u in first.not_priced] == ["rear screen smashed"]
    assert [u.phrase for u in second.not_priced] == ["alloy kerbed"]


async def test_a_story_without_parts_is_a_report_and_gibberish_an_error(
    agent: PartsAgent,
) -> None:
    """A story that names no part is an empty report that says so; unknown words are refused."""
    report = await agent.process_damage_report(
        ASTRA, "steering is pulling to the right since I hit the curb"
    )
    assert report.lines == ()
    assert report.not_priced == ()
    assert any(w.startswith("no damaged part named") for w in report.warnings)
    with pytest.raises(InputError, match="no damaged part"):
        await agent.process_damage_report(ASTRA, "zzz qqq")


async def test_a_denied_total_loss_raises_no_banner_and_an_adjusters_tl_does(
    agent: PartsAgent,
) -> None:
    """ "definitely not a write off" is no total loss; "TL candidate, exceeds ACV" is one."""
    denied = await agent.process_damage_report(
        ASTRA, "Definitely not a write off. Rear bumper cracked"
    )
    assert not denied.total_loss
    assert not any(w.startswith("POSSIBLE TOTAL LOSS") for w in denied.warnings)
    assert damaged(denied) == [("CAT004", "rear", None, 1)]
    adjuster = await agent.process_damage_report(
        ASTRA, "TL candidate, repair estimate exceeds ACV. Hood crushed", market="US"
    )
    assert adjuster.total_loss
    assert adjuster.warnings[0].startswith("POSSIBLE TOTAL LOSS")
    assert "'TL candidate'" in adjuster.warnings[0]
    assert damaged(adjuster) == [("CAT003", "front", None, 1)]


async def test_a_part_said_to_be_fine_is_never_bought_nor_listed_to_confirm(
    agent: PartsAgent,
) -> None:
    """ "mirror folded back but still works": no mirror line or operation, and nothing to
    confirm (the list holds only what may be damaged: issue 21)."""
    report = await agent.process_damage_report(
        ASTRA, "N/S mirror folded back but still works. N/S front wing dented"
    )
    assert damaged(report) == [("CAT016", "front", "left", 1)]
    assert report.not_priced == ()
    assert "CAT025" not in {ln.category.id for ln in report.lines}
    assert "CAT025" not in {op.category.id for op in report.operations}


async def test_a_reference_and_a_heading_name_the_sides_of_the_report(agent: PartsAgent) -> None:
    """ "LHF: headlight, wing" and "the mirror on that side" are priced on the side named."""
    report = await agent.process_damage_report(
        ASTRA, "LHF: headlight smashed, wing dented. The mirror on that side is cracked"
    )
    assert damaged(report) == [
        ("CAT002", "front", "left", 1),
        ("CAT016", "front", "left", 1),
        ("CAT025", None, "left", 1),
    ]
    assert report.not_priced == ()
