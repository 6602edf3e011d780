"""Report cache keys and the ReportCache's single-flight, TTL and cap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partsagent import PartsAgent, Position, ReportCache, Severity
from partsagent._models import DamagedPart, Vehicle
from partsagent._pricing.assemble import Meaning
from partsagent._pricing.report_cache import canonical_key, input_key

SEVERITIES = list(Severity)
POSITIONS = [
    Position(),
    Position(axle="front"),
    Position(axle="front", side="left"),
    Position(axle="front", side="right"),
    Position(axle="rear", side="left"),
]
damage_item = st.tuples(
    st.sampled_from(["CAT001", "CAT002", "CAT003", "CAT010"]),
    st.sampled_from(POSITIONS),
    st.sampled_from(SEVERITIES),
)


def key(damage: list[tuple[str, Position, Severity]], *, year: int = 2018) -> str:
    return canonical_key(
        manufacturer_id="117",
        model_id="1",
        year=year,
        variant_ids=["a", "b"],
        damage=damage,
        planner="rules",
        market="GB",
    )


@given(st.lists(damage_item, min_size=1, max_size=6), st.randoms())
def test_order_and_repeats_do_not_change_the_key(
    damage: list[tuple[str, Position, Severity]], rnd: object
) -> None:
    """Any permutation, or naming a part again at a milder severity, keeps the key."""
    shuffled = list(damage)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    repeated = shuffled + [(c, p, Severity.MINOR) for c, p, _ in damage]
    assert key(shuffled) == key(damage) == key(repeated)


def _worst(damage: list[tuple[str, Position, Severity]]) -> dict[tuple[str, Position], int]:
    out: dict[tuple[str, Position], int] = {}
    for c, p, s in damage:
        out[(c, p)] = max(out.get((c, p), -1), SEVERITIES.index(s))
    return out


@given(st.lists(damage_item, min_size=1, max_size=5), st.lists(damage_item, min_size=1, max_size=5))
def test_different_damage_never_shares_a_key(
    a: list[tuple[str, Position, Severity]], b: list[tuple[str, Position, Severity]]
) -> None:
    """Keys are equal exactly when the worst severity per (category, position) is equal."""
    assert (key(a) == key(b)) == (_worst(a) == _worst(b))


@given(st.lists(damage_item, min_size=1, max_size=4), st.integers(2015, 2021))
def test_vehicle_is_part_of_the_key(
    damage: list[tuple[str, Position, Severity]], year: int
) -> None:
    """The same damage on another year, model or market is another report."""
    base = key(damage, year=2018)
    assert (key(damage, year=year) == base) == (year == 2018)
    other = canonical_key(
        manufacturer_id="117",
        model_id="2",
        year=2018,
        variant_ids=["a", "b"],
        damage=damage,
        planner="rules",
        market="GB",
    )
    assert other != base


said = st.text(alphabet='gril:;|,[]\\" hood', min_size=1, max_size=12).filter(str.strip)
parts_said = st.lists(
    st.tuples(said, st.one_of(st.none(), st.sampled_from(SEVERITIES))), min_size=1, max_size=3
)


def _parts(parts: list[tuple[str, Severity | None]]) -> list[DamagedPart]:
    return [
        DamagedPart(component=c) if s is None else DamagedPart(component=c, severity=s)
        for c, s in parts
    ]


@given(parts_said, parts_said)
def test_input_keys_are_equal_exactly_when_the_inputs_are(
    a: list[tuple[str, Severity | None]], b: list[tuple[str, Severity | None]]
) -> None:
    """No component can spell separators into another input's key: equal keys, equal input."""
    vehicle = Vehicle(make="Vauxhall", model="Astra", year=2018)
    pa, pb = _parts(a), _parts(b)
    same = [(p.component, p.severity, "severity" in p.model_fields_set) for p in pa] == [
        (p.component, p.severity, "severity" in p.model_fields_set) for p in pb
    ]
    ka = input_key(vehicle, pa, planner="rules", market="GB")
    assert (ka == input_key(vehicle, pb, planner="rules", market="GB")) == same


def test_a_component_named_like_two_parts_has_its_own_key() -> None:
    """'grille:words;hood' is one component, never the two parts Grille and Hood."""
    vehicle = Vehicle(make="Vauxhall", model="Astra", year=2018)
    one = [DamagedPart(component="grille:words;hood", severity=Severity.MINOR)]
    two = [DamagedPart(component="grille"), DamagedPart(component="hood", severity=Severity.MINOR)]
    assert input_key(vehicle, one, planner="rules", market="GB") != input_key(
        vehicle, two, planner="rules", market="GB"
    )


@pytest.fixture(scope="module")
async def shared_agent() -> AsyncIterator[PartsAgent]:
    async with PartsAgent() as agent:
        yield agent


SYNONYMS = {
    "bonnet": ["bonnet", "Hood", "BONNET"],
    "bumper": ["front bumper cover", "Front Bumper", "frnt bumper"],
    "headlamp": ["headlamp", "Headlight Assembly", "head light"],
}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(SYNONYMS)), st.sampled_from(SEVERITIES)),
        min_size=1,
        max_size=3,
        unique_by=lambda t: t[0],
    ),
    st.data(),
)
async def test_equivalent_reports_share_one_cached_report(
    parts: list[tuple[str, Severity]], data: st.DataObject
) -> None:
    """Synonyms, order and case: the second equivalent report is a cache hit."""
    async with PartsAgent() as agent:
        first = [{"component": SYNONYMS[p][0], "severity": s.value} for p, s in parts]
        second = [
            {"component": data.draw(st.sampled_from(SYNONYMS[p])), "severity": s.value}
            for p, s in reversed(parts)
        ]
        a = await agent.process_damage_report(
            {"make": "vauxhall", "model": "astra", "year": 2018}, first
        )
        b = await agent.process_damage_report(
            {"make": "OPEL", "model": "Astra", "year": 2018}, second
        )
    assert b.performance["report_cache"] == "hit"
    assert [ln.article.id for ln in a.lines] == [ln.article.id for ln in b.lines]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def _report() -> Meaning:
    async with PartsAgent() as agent:
        return Meaning(
            await agent.process_damage_report(
                {"make": "Vauxhall", "model": "Astra", "year": 2018}, [{"component": "bonnet"}]
            )
        )


async def test_concurrent_computation_runs_once_and_survives_one_cancel() -> None:
    """Three callers, one computation; cancelling one leaves the others their report."""
    report = await _report()
    cache = ReportCache()
    release = asyncio.Event()
    calls = 0

    async def compute() -> tuple[Meaning, bool]:
        nonlocal calls
        calls += 1
        await release.wait()
        return report, True

    tasks = [asyncio.create_task(cache.get_or_compute("k", compute)) for _ in range(3)]
    await asyncio.sleep(0)
    tasks[0].cancel()
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(tasks[1], tasks[2])
    assert calls == 1
    assert [o for _, o in results] == ["coalesced", "coalesced"]
    assert all(r is report for r, _ in results)
    with pytest.raises(asyncio.CancelledError):
        await tasks[0]
    assert (await cache.get_or_compute("k", compute))[1] == "hit"
    await cache.aclose()


async def test_computation_is_cancelled_when_every_caller_leaves() -> None:
    """When the last caller is cancelled, the computation is cancelled too."""
    cache = ReportCache()
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def compute() -> tuple[Meaning, bool]:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        raise AssertionError("unreachable")

    task = asyncio.create_task(cache.get_or_compute("k", compute))
    await started.wait()
    task.cancel()
    async with asyncio.timeout(2):
        await cancelled.wait()
    assert cache.stats()["size"] == 0
    await cache.aclose()


async def test_failures_and_uncacheable_reports_are_not_cached() -> None:
    """An error reaches the caller and is not cached; a report marked uncacheable is not kept."""
    report = await _report()
    cache = ReportCache()

    async def fail() -> tuple[Meaning, bool]:
        raise RuntimeError("boom")

    async def partial() -> tuple[Meaning, bool]:
        return report, False

    with pytest.raises(RuntimeError):
        await cache.get_or_compute("k", fail)
    assert (await cache.get_or_compute("k", partial))[1] == "miss"
    assert (await cache.get_or_compute("k", partial))[1] == "miss"
    await cache.aclose()


async def test_ttl_and_cap() -> None:
    """Reports expire after the TTL and the cache holds at most max_entries reports."""
    report = await _report()
    clock = FakeClock()
    cache = ReportCache(ttl=10, max_entries=3, clock=clock)

    async def compute() -> tuple[Meaning, bool]:
        return report, True

    for i in range(10):
        await cache.get_or_compute(f"k{i}", compute)
    assert cache.stats()["size"] == 3
    assert (await cache.get_or_compute("k9", compute))[1] == "hit"
    clock.now += 11
    assert (await cache.get_or_compute("k9", compute))[1] == "miss"
    await cache.aclose()


async def test_a_cached_report_is_kept_compact_and_comes_back_equal() -> None:
    """The cache holds a few KB of compressed JSON per report; a hit rebuilds an equal report."""
    vehicle = {"make": "Vauxhall", "model": "Astra", "year": 2018}
    damage = [
        {"component": "Front Bumper Cover", "severity": "severe"},
        {"component": "Headlight Assembly", "severity": "moderate"},
        {"component": "Hood", "severity": "minor"},
    ]
    async with PartsAgent() as agent:
        cold = await agent.process_damage_report(vehicle, damage)
        by_input = await agent.process_damage_report(vehicle, damage)
        by_meaning = await agent.process_damage_report(vehicle, list(reversed(damage)))
        held = [entry for entry, _ in agent.reports._reports._data.values()]
    assert (by_input.performance["report_cache"], by_meaning.performance["report_cache"]) == (
        "hit",
        "hit",
    )
    assert len(held) == 1
    assert isinstance(held[0], bytes)
    assert len(held[0]) < len(cold.model_dump_json()) / 3
    for again in (by_input, by_meaning):
        assert again.model_dump(exclude={"performance"}) == cold.model_dump(exclude={"performance"})


async def test_build_words_quoted_back_are_always_the_callers_own(
    sample_agent: PartsAgent,
) -> None:
    """'saloon' and 'sedan' are one cue; set aside, each caller reads the word they wrote,
    whichever report was cached first."""
    corsa = {"make": "Vauxhall", "model": "Corsa", "year": 2020}
    for word in ("saloon", "sedan", "saloon"):
        report = await sample_agent.process_damage_report(corsa, f"{word}: bonnet dented")
        set_aside = [w for w in report.warnings if "fit none" in w]
        assert len(set_aside) == 1
        assert f"('{word}')" in set_aside[0]
    assert report.performance["report_cache"] == "hit"
