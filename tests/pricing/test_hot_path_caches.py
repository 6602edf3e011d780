"""The caches of a report's hot path: bounded, and answering as what they replace does."""

from __future__ import annotations

import re

from partsagent import EstimateData, PartsAgent, Vehicle
from partsagent._pricing import warming
from partsagent._pricing.estimate import said as evidence
from partsagent._pricing.estimate._phrases import normalised
from partsagent._pricing.estimate.evidence import WORDS_KEPT, Evidence
from partsagent._pricing.estimate.said import read_evidence
from partsagent._reading.build_cues import MODELS_KEPT, load_build_cues, read_build_words
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


def _unabbreviated_per_word(abbreviations: tuple[str, ...], text: str) -> str:
    """What ``Evidence.unabbreviated`` replaced: one substitution per word, in order."""
    for word in abbreviations:
        text = re.sub(rf"(?<![\w'])({re.escape(word)})\.", r"\1", text, flags=re.IGNORECASE)
    return text


def _evidence_with(**fields: object) -> Evidence:
    return Evidence.model_validate({**EVIDENCE.model_dump(by_alias=True), **fields})


def test_abbreviations_drop_their_dots_as_one_substitution_per_word_did() -> None:
    own = _evidence_with(abbreviations=["zz", "req"])
    texts = [
        "Bumper req. replacement",
        "REQ. repl. approx. 2h; est.\nincl. paint",
        "dmgd.assy. misc.",
        "don't.req. x.req.",
        "no abbreviation here.",
        "zz. req. repl.",
        "",
    ]
    for text in texts:
        assert EVIDENCE.unabbreviated(text) == _unabbreviated_per_word(EVIDENCE.abbreviations, text)
        assert own.unabbreviated(text) == _unabbreviated_per_word(("zz", "req"), text)
    # Each file drops its own words' dots, whichever asked first.
    assert EVIDENCE.unabbreviated("zz. repl.") == "zz. repl"
    assert own.unabbreviated("zz. repl.") == "zz repl."


def test_dent_size_words_kept_are_bounded_and_each_file_s_own() -> None:
    fist = "dent the size of a fist"
    kept = EVIDENCE._worded_kept
    assert kept.cache_info().maxsize == WORDS_KEPT
    assert EVIDENCE.size(fist) == EVIDENCE._worded(normalised(fist))[-1]
    assert EVIDENCE.size(fist) == EVIDENCE.size(fist)
    for i in range(WORDS_KEPT + 10):
        EVIDENCE.size(f"dent number {i}")
    assert kept.cache_info().currsize <= WORDS_KEPT
    # A file with other size words (its own, or a copy with others) answers with its own.
    no_objects = tuple(s.model_copy(update={"objects": ()}) for s in EVIDENCE.dent_sizes)
    for other in (
        _evidence_with(dent_sizes=[s.model_dump() for s in no_objects]),
        EVIDENCE.model_copy(update={"dent_sizes": no_objects}),
    ):
        assert EVIDENCE.size(fist) is not None
        assert other.size(fist) is None
        assert other.unabbreviated("req. x") == EVIDENCE.unabbreviated("req. x")


def test_trim_words_after_a_model_kept_per_model_and_trim() -> None:
    trims = {t.id: t for t in load_build_cues().trims}
    st, rs = trims["st"], trims["rs"]
    assert st.after_model("focus").pattern == st.pattern(r"(?<=focus )").pattern
    assert st.after_model("focus") is st.after_model("focus")
    assert st.after_model("focus").search("focus st bumper")
    assert rs.after_model("focus").search("focus st bumper") is None
    for i in range(MODELS_KEPT + 10):
        st.after_model(f"model {i}")
    assert st.after_model.cache_info().currsize <= MODELS_KEPT
    vehicle = Vehicle(make="Ford", model="Focus", year=2020)
    said = read_build_words(vehicle, "Focus ST front bumper", (), load_build_cues())
    assert [t.id for t in said.trims] == ["st"]


def test_safety_words_of_kept_sentences_keep_the_report_s_order() -> None:
    first = read_evidence("hv battery damaged. high voltage warning on", EVIDENCE)
    again = read_evidence("high voltage warning on. hv battery damaged", EVIDENCE)
    denied = read_evidence("no hv battery damage. high voltage warning on", EVIDENCE)
    said, said_again = first.safety[0][1], again.safety[0][1]
    assert said.index("'hv battery'") < said.index("'high voltage")
    assert said_again.index("'high voltage") < said_again.index("'hv battery'")
    assert "'hv battery'" not in denied.safety[0][1]
    for sentence in ("hv battery damaged", "high voltage warning on"):
        assert evidence._sentence(sentence, EVIDENCE) == evidence._read_sentence(sentence, EVIDENCE)
