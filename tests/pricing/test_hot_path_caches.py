"""The caches of a report's hot path: bounded, keyed so that a changed input is a new entry,
and answering as the computation they replace does."""

from __future__ import annotations

from partsagent import EstimateData, PartsAgent
from partsagent._models import Category
from partsagent._pricing import assemble, warming
from partsagent._pricing.estimate import evidence
from partsagent._pricing.estimate.evidence import read_evidence
from partsagent.catalog import BucketManager, sample_catalog_path

EVIDENCE = EstimateData.load().evidence


def test_a_sentence_kept_reads_as_one_read_afresh() -> None:
    words = ["B pillar pushed in", "bonnet dented, about 5 cm", "rear PDC not working"]
    first = read_evidence(". ".join(words), EVIDENCE)
    again = read_evidence(". ".join(reversed(words)), EVIDENCE)
    assert first.escalate
    assert first.equipment
    assert first.phrases
    assert (again.escalate, again.equipment, again.phrases) == (
        first.escalate,
        first.equipment,
        first.phrases,
    )
    for sentence in ("b pillar pushed in", "bonnet dented, about 5 cm"):
        assert evidence._sentence(sentence, EVIDENCE) == evidence._read_sentence(sentence, EVIDENCE)


def test_sentences_kept_are_bounded() -> None:
    for i in range(evidence.SENTENCES_KEPT + 10):
        read_evidence(f"scratch number {i} on the wing", EVIDENCE)
    assert len(evidence._SENTENCES) <= evidence.SENTENCES_KEPT
    said = read_evidence("scratch number 0 on the wing, b pillar bent", EVIDENCE)
    assert said.escalate == ("b pillar",)


def _cats(*names: str) -> tuple[Category, ...]:
    return tuple(Category(id=f"C{i}", name=n, group="body") for i, n in enumerate(names))


def test_a_build_whose_lists_change_is_read_again() -> None:
    old = assemble._build_names((_cats("Bonnet", "Front Wing"),))
    assert set(old) == {"bonnet", "front wing"}
    # Another list of the same build (a refreshed document): its own names, not the kept ones.
    new = assemble._build_names((_cats("Hood", "Front Wing"),))
    assert set(new) == {"hood", "front wing"}
    # Only what every variant lists.
    shared = assemble._build_names((_cats("Bonnet", "Front Wing"), _cats("Bonnet")))
    assert set(shared) == {"bonnet"}


def test_builds_kept_are_bounded() -> None:
    for i in range(assemble._MAX_BUILD_NAMES + 10):
        assemble._build_names((_cats(f"Panel {i}"),))
    assert len(assemble._BUILD_NAMES) <= assemble._MAX_BUILD_NAMES


async def test_a_vehicle_is_warmed_once_and_priced_the_same() -> None:
    from partsagent.testing import CatalogServer

    async with (
        CatalogServer(sample_catalog_path()) as server,
        BucketManager(server.url) as manager,
        PartsAgent(manager, max_reports=1) as agent,
    ):
        vehicle = {"make": "Ford", "model": "Focus", "year": 2020}
        first = await agent.process_damage_report(vehicle, "left headlamp smashed")
        assert manager.source.batch_supported
        assert len(warming._warmed.get(manager, ())) == 1
        before = manager.get_cache_stats()["by_kind"]["categories"]["hits"]
        again = await agent.process_damage_report(vehicle, "left headlamp smashed, bonnet dented")
        after = manager.get_cache_stats()["by_kind"]["categories"]["hits"]
        same = await agent.process_damage_report(vehicle, "left headlamp smashed")
    # The second report read each variant's categories for its plan and its build, not
    # a third time to warm the vehicle again.
    assert after - before == 2 * len(first.vehicle.variants)
    assert same.lines == first.lines
    assert same.totals == first.totals
    assert again.lines
