"""The report cache shares meaning, never words: each caller reads only what it sent."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from partsagent import PartsAgent, PartsReport

ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}
OPEL = {"make": "Opel", "model": "Astra", "year": 2018}
JANE = "Customer Jane Doe (07700 900123) says: hood dented"

Damage = str | list[dict[str, str]]


def meaning(report: PartsReport) -> dict[str, Any]:
    """Everything but the performance figures, which differ run to run."""
    return report.model_dump(mode="json", exclude={"performance"})


async def alone(vehicle: dict[str, Any], damage: Damage) -> dict[str, Any]:
    """The report a fresh agent, with no history, gives for this input."""
    async with PartsAgent() as agent:
        return meaning(await agent.process_damage_report(vehicle, damage))


@pytest.fixture
async def shared() -> AsyncIterator[PartsAgent]:
    async with PartsAgent() as agent:
        yield agent


async def test_a_repeat_never_carries_another_callers_words(shared: PartsAgent) -> None:
    """A's phrase (a name, a phone number) never reaches B, first answer or repeat."""
    await shared.process_damage_report(ASTRA, JANE)
    first = await shared.process_damage_report(OPEL, "bonnet dented")
    again = await shared.process_damage_report(OPEL, "bonnet dented")
    assert again.performance["report_cache"] == "hit"
    for report in (first, again):
        dumped = report.model_dump_json()
        assert "Jane" not in dumped
        assert "07700" not in dumped
        assert [d.component for d in report.damaged] == ["bonnet dented"]
    assert meaning(first) == meaning(again) == await alone(OPEL, "bonnet dented")


@pytest.mark.parametrize(
    "history",
    [
        pytest.param(["bonnet dented, flux capacitor smashed"], id="more-first"),
        pytest.param(["bonnet dented"], id="fewer-first"),
        pytest.param(["bonnet dented", "bonnet dented, flux capacitor smashed"], id="both"),
    ],
)
async def test_not_priced_phrases_are_the_callers_own(
    shared: PartsAgent, history: list[str]
) -> None:
    """The same parts with and without an unknown one: each repeat keeps its own not-priced list."""
    for text in history:
        await shared.process_damage_report(ASTRA, text)
    for text in ("bonnet dented", "bonnet dented, flux capacitor smashed"):
        for _ in range(2):
            report = await shared.process_damage_report(ASTRA, text)
            assert meaning(report) == await alone(ASTRA, text), text
    plain = await shared.process_damage_report(ASTRA, "bonnet dented")
    assert not any("flux" in p.phrase for p in plain.not_priced)


async def test_a_component_that_spells_a_key_is_its_own_input(shared: PartsAgent) -> None:
    """A component named like two key fields never shares a key with the two parts."""
    odd = [{"component": "grille:words;hood", "severity": "minor"}]
    two = [{"component": "Grille"}, {"component": "Hood", "severity": "minor"}]
    await shared.process_damage_report(ASTRA, odd)
    assert meaning(await shared.process_damage_report(ASTRA, two)) == await alone(ASTRA, two)


async def test_case_and_spacing_of_the_words_are_the_callers(shared: PartsAgent) -> None:
    """Inputs equal but for case and spacing share the report, and each gets its own words."""
    await shared.process_damage_report(ASTRA, [{"component": "HOOD", "severity": "minor"}])
    report = await shared.process_damage_report(ASTRA, [{"component": "hood", "severity": "minor"}])
    assert report.performance["report_cache"] == "hit"
    assert [d.component for d in report.damaged] == ["hood"]


# -- a batch's output does not depend on its history ------------------------------------

VEHICLES = [
    {"make": "Vauxhall", "model": "Astra", "year": 2018},
    {"make": "Opel", "model": "Astra", "year": 2018},
    {"make": "Ford", "model": "Focus", "year": 2020},
    {"make": "Ford", "model": "Fiesta", "year": 2019},
    {"make": "VW", "model": "Golf", "year": 2016},
    {"make": "Toyota", "model": "Corolla", "year": 2020},
    {"make": "Honda", "model": "Civic", "year": 2019},
]
PARTS = ["bonnet", "hood", "front bumper", "F/B", "N/S headlamp", "left headlight", "O/S wing"]
DAMAGE = ["dented", "smashed", "scratched", "cracked", ""]
STORY = ["", "Customer Ann Lee (07700 900456) says: ", "reversed into a post; ", "per Bob: "]
UNKNOWN = ["", ", flux capacitor smashed", ", sat nav stolen"]
SEVERITIES = ["minor", "moderate", "severe", None]


def generated_batch(n: int, seed: int) -> list[bytes]:
    """``n`` report lines over the sample's vehicles, in many words for few meanings."""
    rnd = random.Random(seed)
    lines = []
    for _ in range(n):
        vehicle = rnd.choice(VEHICLES)
        if rnd.random() < 0.5:
            parts = rnd.sample(PARTS, rnd.randint(1, 3))
            text = ", ".join(f"{p} {rnd.choice(DAMAGE)}".strip() for p in parts)
            damage: Damage = rnd.choice(STORY) + text + rnd.choice(UNKNOWN)
        else:
            damage = []
            for p in rnd.sample(PARTS, rnd.randint(1, 3)):
                severity = rnd.choice(SEVERITIES)
                part = {"component": rnd.choice([p, p.upper(), f" {p}  "])}
                damage.append(part if severity is None else {**part, "severity": severity})
        lines.append(orjson.dumps({"vehicle": vehicle, "damaged_parts": damage}))
    return lines


def run_batch(batch: Path, *args: str) -> list[dict[str, Any]]:
    """`partsagent report --batch` in its own process; its lines without performance figures."""
    done = subprocess.run(
        [sys.executable, "-m", "partsagent", "report", "--batch", str(batch), *args],
        capture_output=True,
        timeout=600,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr.decode()
    out = [orjson.loads(line) for line in done.stdout.splitlines()]
    for line in out:
        line.pop("performance", None)
    return out


def write(path: Path, lines: Sequence[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def test_a_batch_resumed_with_skip_gives_the_same_lines(tmp_path: Path) -> None:
    """Lines 1-400 in one run equal lines 1-93 then ``--skip 93``: no line depends on history."""
    lines = generated_batch(400, seed=19)
    whole = write(tmp_path / "all.jsonl", lines)
    head = write(tmp_path / "head.jsonl", lines[:93])
    in_one_go = run_batch(whole)
    resumed = run_batch(head) + run_batch(whole, "--skip", "93")
    assert len(in_one_go) == len(resumed) == 400
    differ = [i + 1 for i, (a, b) in enumerate(zip(in_one_go, resumed, strict=True)) if a != b]
    assert differ == []


@pytest.mark.parametrize(
    ("first", "then"),
    [
        pytest.param(
            "sill pushed in under the driver door, door dented",
            "sill pushed in under the driver door, door dented",
            id="exact-repeat",
        ),
        pytest.param(
            "O/S sill crushed and O/S front door dented",
            "offside sill crushed, offside front door dented",
            id="same-meaning-other-words",
        ),
    ],
)
async def test_a_cached_answer_keeps_everything_a_fresh_one_has(
    shared: PartsAgent, first: str, then: str
) -> None:
    """A repeat, or a paraphrase answered by meaning, equals a fresh agent's answer: banner too."""
    await shared.process_damage_report(ASTRA, first)
    cached = meaning(await shared.process_damage_report(ASTRA, then))
    fresh = await alone(ASTRA, then)
    assert fresh["coded_warnings"][0]["code"] == "inspection_needed", fresh["warnings"]
    assert cached == fresh
