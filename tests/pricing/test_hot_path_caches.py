"""The caches of a report's hot path: bounded, and answering as what they replace does."""

from __future__ import annotations

from partsagent import EstimateData, PartsAgent
from partsagent._pricing import warming
from partsagent._pricing.estimate import said as evidence
from partsagent._pricing.estimate.said import read_evidence
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
        before = manager.get_cache_stats()
        again = await agent.process_damage_report(vehicle, "left headlamp smashed, bonnet dented")
        after = manager.get_cache_stats()
        same = await agent.process_damage_report(vehicle, "left headlamp smashed")
        assert len(warming._warmed.get(manager, ())) == 1
    # The second report took the vehicle's categories from the derived memo (for its plan
    # and its build), reading no category list again, nor warming the vehicle again.
    hits = after["by_kind"]["categories"]["hits"] - before["by_kind"]["categories"]["hits"]
    assert hits == 0
    assert after["derived"]["hits"] - before["derived"]["hits"] >= 2
    assert same.lines == first.lines
    assert same.totals == first.totals
    assert again.lines
