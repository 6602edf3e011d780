"""Bad input of any type or shape is the project's own error, and text is read as NFKC."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from partsagent import InputError, PartsAgent, UsageError
from partsagent._input import check_size

ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}
FULLWIDTH = {"make": "Ｖａｕｘｈａｌｌ", "model": "Ａｓｔｒａ", "year": 2018}


@pytest.mark.parametrize(
    ("vehicle", "damage"),
    [
        pytest.param(ASTRA, "bonnet dented, flux\udcff broken", id="free-text"),
        pytest.param(ASTRA, [{"component": "Hood\udcff"}], id="component"),
        pytest.param({**ASTRA, "make": "Vaux\ud800hall"}, "bonnet dented", id="make"),
        pytest.param({"vin": "WVW\udcffZZZ"}, "bonnet dented", id="vin"),
    ],
)
async def test_lone_surrogate_is_an_input_error(
    sample_agent: PartsAgent, vehicle: dict[str, Any], damage: Any
) -> None:
    """A lone surrogate anywhere is an InputError naming it, never a serialisation error."""
    with pytest.raises(InputError, match="lone surrogate"):
        await sample_agent.process_damage_report(vehicle, damage)


async def test_fullwidth_input_reads_as_ascii(sample_agent: PartsAgent) -> None:
    """Fullwidth make, model, components and free text give the same report as ASCII."""
    words = "ｂｏｎｎｅｔ ｄｅｎｔｅｄ， ｆｒｏｎｔ ｂｕｍｐｅｒ ｓｍａｓｈｅｄ"
    wide = await sample_agent.process_damage_report(FULLWIDTH, words)
    plain = await sample_agent.process_damage_report(ASTRA, "bonnet dented, front bumper smashed")
    assert wide.model_dump(exclude={"performance"}) == plain.model_dump(exclude={"performance"})
    parts = [{"component": "Ｆｒｏｎｔ Ｂｕｍｐｅｒ Ｃｏｖｅｒ", "severity": "severe"}]
    wide = await sample_agent.process_damage_report(FULLWIDTH, parts)
    assert [line.category.name for line in wide.lines][:1] == ["Front Bumper Cover"]


async def test_nfkc_cannot_exceed_the_text_limit() -> None:
    """A description that NFKC lengthens past max_text_chars is refused, not read."""
    async with PartsAgent(max_text_chars=100) as agent:
        with pytest.raises(InputError, match="over the limit"):
            await agent.process_damage_report(ASTRA, "\ufdfa" * 10)  # 18 characters each


BAD_CALLS = [
    pytest.param({"rates": 12}, id="rates-int"),
    pytest.param({"rates": ["GB"]}, id="rates-list"),
    pytest.param({"market": 12}, id="market-int"),
    pytest.param({"market": ["GB"]}, id="market-list"),
    pytest.param({"planner": 12}, id="planner-int"),
    pytest.param({"planner": ["rules"]}, id="planner-list"),
]


@pytest.mark.parametrize("options", BAD_CALLS)
async def test_wrong_argument_types_of_a_report(
    sample_agent: PartsAgent, options: dict[str, Any]
) -> None:
    """Every keyword of process_damage_report of the wrong type is an InputError naming it."""
    name = next(iter(options))
    with pytest.raises(InputError, match=name):
        await sample_agent.process_damage_report(ASTRA, "bonnet dented", **options)


@pytest.mark.parametrize(
    ("vehicle", "damage"),
    [
        pytest.param(12, "bonnet dented", id="vehicle-int"),
        pytest.param("Vauxhall Astra 2018", "bonnet dented", id="vehicle-str"),
        pytest.param(ASTRA, 12, id="damage-int"),
        pytest.param(ASTRA, b"bonnet dented", id="damage-bytes"),
        pytest.param(ASTRA, [12], id="damage-item-int"),
        pytest.param(ASTRA, [{"component": 12}], id="component-int"),
        pytest.param(ASTRA, {"component": "Hood"}, id="damage-dict"),
        pytest.param({**ASTRA, "year": [2018]}, "bonnet", id="year-list"),
    ],
)
async def test_wrong_report_data_types(sample_agent: PartsAgent, vehicle: Any, damage: Any) -> None:
    """Report data of the wrong type is an InputError, never a TypeError or AttributeError."""
    with pytest.raises(InputError):
        await sample_agent.process_damage_report(vehicle, damage)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"catalog": 12}, id="catalog"),
        pytest.param({"planner": 12}, id="planner"),
        pytest.param({"market": 12}, id="market"),
        pytest.param({"report_deadline": "60"}, id="report_deadline-str"),
        pytest.param({"report_deadline": float("nan")}, id="report_deadline-nan"),
        pytest.param({"report_deadline": 0}, id="report_deadline-zero"),
        pytest.param({"report_ttl": "1h"}, id="report_ttl-str"),
        pytest.param({"report_ttl": -1}, id="report_ttl-negative"),
        pytest.param({"max_reports": "10"}, id="max_reports-str"),
        pytest.param({"max_reports": 2.5}, id="max_reports-float"),
        pytest.param({"max_alternatives": -1}, id="max_alternatives-negative"),
        pytest.param({"max_alternatives": True}, id="max_alternatives-bool"),
        pytest.param({"warm_vehicle": "no"}, id="warm_vehicle"),
        pytest.param({"max_text_chars": "5"}, id="max_text_chars"),
        pytest.param({"max_damaged_parts": None}, id="max_damaged_parts"),
        pytest.param({"llm_options": 12}, id="llm_options"),
        pytest.param({"estimate": 12}, id="estimate"),
        pytest.param({"no_such_option": 1}, id="no_such_option"),
    ],
)
def test_wrong_constructor_arguments(options: dict[str, Any]) -> None:
    """Every constructor argument of the wrong type or value is an InputError naming it."""
    name = next(iter(options))
    with pytest.raises(InputError, match=name):
        PartsAgent(**options)


def test_an_agent_belongs_to_one_event_loop(
    static_server: Callable[[Path], str], sample_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A second asyncio.run is a UsageError saying so; nothing is left unclosed, ever."""
    caplog.set_level(logging.WARNING, logger="asyncio")
    agent = PartsAgent(static_server(sample_dir))
    first = asyncio.run(agent.process_damage_report(ASTRA, "bonnet dented"))
    assert first.vehicle.model.name == "ASTRA"
    for damage in ("bonnet dented", "rear bumper smashed"):  # a repeat, then new look-ups
        with pytest.raises(UsageError, match="one event loop"):
            asyncio.run(agent.process_damage_report(ASTRA, damage))
    with pytest.raises(UsageError, match="one event loop"):
        asyncio.run(agent.__aenter__())
    asyncio.run(agent.aclose())  # closing is always allowed
    del agent
    gc.collect()
    assert "Unclosed" not in caplog.text


@pytest.mark.parametrize(
    "damage",
    [pytest.param("x" * 11, id="text"), pytest.param([{"component": "bonnet"}] * 3, id="parts")],
)
async def test_the_agent_and_the_command_line_cap_the_same_input_alike(damage: object) -> None:
    """One check for both: the same message, naming the cap as each caller sets it."""
    async with PartsAgent(max_text_chars=10, max_damaged_parts=2) as agent:
        with pytest.raises(InputError) as by_agent:
            await agent.process_damage_report({"make": "Vauxhall", "model": "Astra"}, damage)  # type: ignore[arg-type]
    with pytest.raises(InputError) as by_cli:
        check_size(
            damage, max_text_chars=10, max_parts=2, names=("--max-text-chars", "--max-parts")
        )
    renamed = str(by_agent.value).replace("(max_text_chars)", "(--max-text-chars)")
    assert renamed.replace("(max_damaged_parts)", "(--max-parts)") == str(by_cli.value)
