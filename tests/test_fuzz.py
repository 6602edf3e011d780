"""Generated vehicles, damage, VINs and identifiers: no crash, no hang, no foreign error."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partsagent import InputError, InvalidIdentifier, PartsAgent, PartsAgentError, PartsReport
from partsagent._cli.main import main
from partsagent._reading.vin import VinDecode, decode_vin
from partsagent.catalog import BucketManager, HttpBucket
from partsagent.testing import CatalogServer

# Examples share one agent (and one server): that is the point, a long-lived service.
FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,  # every run is fresh, as in CI; a failure prints its example anyway
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LIMIT = 10.0
"""Seconds any one call may take before the test calls it a hang."""

ID = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)
MAKES = ["Vauxhall", "OPEL", "vw", "Volkswagon", "Ford", "bmw", "Tesla", "Toyota", "Vauxhal"]
MODELS = ["Astra", "Corsa", "Golf", "Focus", "3 series", "model 3", "Corolla", "astra gtc"]
COMPONENTS = [
    "front bumper",
    "Headlight Assembly",
    "hood",
    "bonnet",
    "left door mirror",
    "rear left tail light",
    "windscreen",
    "intercooler",
    "wing",
    "fog light",
]
SEVERITIES = ["minor", "moderate", "severe", "MINOR", "bad", ""]

anything: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.binary(max_size=8),
)
words = st.one_of(st.text(max_size=80), st.text(alphabet="abcdefghij -", max_size=30))
makes = st.one_of(st.sampled_from(MAKES), words, anything)
models = st.one_of(st.sampled_from(MODELS), words, anything)
years = st.one_of(
    st.none(), st.integers(1940, 2110), st.integers(), st.text(max_size=6), st.floats()
)
vins = st.one_of(
    st.from_regex(r"[A-HJ-NPR-Z0-9]{17}", fullmatch=True),
    st.sampled_from(["W0L0AHL3555247032", "1HGCM82633A004352", "WVWZZZ1KZAW000001"]),
    st.text(max_size=40),
    anything,
)
vehicles = st.one_of(
    st.fixed_dictionaries(
        {"make": makes, "model": models},
        optional={"year": years, "vin": vins, "colour": anything},
    ),
    st.fixed_dictionaries({"vin": vins}),
    st.dictionaries(st.text(max_size=8), anything, max_size=4),
    anything,
    st.lists(anything, max_size=3),
)
parts = st.one_of(
    st.fixed_dictionaries(
        {"component": st.one_of(st.sampled_from(COMPONENTS), words, anything)},
        optional={"severity": st.one_of(st.sampled_from(SEVERITIES), anything)},
    ),
    st.dictionaries(st.text(max_size=10), anything, max_size=3),
    anything,
)
free_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from([*COMPONENTS, "smashed", "and", ",", "cracked", "left", "rear"])).map(
        " ".join
    ),
)
damages = st.one_of(st.lists(parts, max_size=6), free_text, anything)
options = st.fixed_dictionaries(
    {},
    optional={
        "market": st.sampled_from(["GB", "US", "FR", ""]),
        "planner": st.sampled_from(["rules", "llm", "magic"]),
    },
)


@pytest.fixture(autouse=True)
def _no_openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The llm planner must fail for want of a key, never reach out for a model."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PARTSAGENT_LLM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def agent() -> AsyncIterator[PartsAgent]:
    """One agent on the embedded sample, shared by every example of a test."""
    async with PartsAgent() as a:
        yield a


@pytest.fixture
async def http_manager(catalog_server: CatalogServer) -> AsyncIterator[BucketManager]:
    """A manager over HTTP that has already learnt the server offers the batch endpoint."""
    async with BucketManager(HttpBucket(catalog_server.url)) as manager:
        await manager.get_manufacturers()
        assert manager.source.batch_supported
        yield manager


async def settle(call: Awaitable[Any]) -> Any:
    """The result of ``call``, or the PartsAgentError it raised; anything else fails the test."""
    try:
        async with asyncio.timeout(LIMIT):
            return await call
    except PartsAgentError as exc:
        return exc


@FUZZ
@given(vehicle=vehicles, damage=damages, kwargs=options)
async def test_any_report_is_a_report_or_our_error(
    agent: PartsAgent, vehicle: Any, damage: Any, kwargs: dict[str, Any]
) -> None:
    """Whatever the vehicle, damage, market or planner: a PartsReport or a PartsAgentError."""
    result = await settle(agent.process_damage_report(vehicle, damage, **kwargs))
    assert isinstance(result, PartsReport | PartsAgentError)
    if isinstance(result, PartsReport):
        assert result.totals.lines == len(result.lines)
        PartsReport.model_validate_json(result.model_dump_json())


@FUZZ
@given(
    make=st.sampled_from(MAKES[:4]),
    model=st.sampled_from(MODELS[:4]),
    damage=st.one_of(free_text, st.lists(parts, min_size=1, max_size=5)),
)
async def test_damage_on_real_vehicles(
    agent: PartsAgent, make: str, model: str, damage: Any
) -> None:
    """Damage on vehicles that resolve reaches the planner and the pricing, and never crashes."""
    vehicle = {"make": make, "model": model, "year": 2018}
    result = await settle(agent.process_damage_report(vehicle, damage))
    assert isinstance(result, PartsReport | InputError)


@FUZZ
@given(vin=vins)
async def test_vins_decode_or_raise_input_error(vin: Any) -> None:
    """decode_vin gives a VinDecode or an InputError, for any string or non-string."""
    result = await settle(decode_vin(vin))
    assert isinstance(result, VinDecode | InputError)
    if isinstance(result, VinDecode):
        assert len(result.vin) == 17


hostile_ids = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["..", "../..", "%2e%2e", "117/../118", "CAT001?x=1", "a" * 65, "\x00", "é"]),
).filter(lambda s: ID.fullmatch(s) is None)


def id_calls(manager: BucketManager, bad: str) -> list[Callable[[], Awaitable[Any]]]:
    """Every manager entry point with ``bad`` in each identifier position."""
    return [
        lambda: manager.get_models_for_manufacturer(bad),
        lambda: manager.load_categories_for_variant(bad, "127445"),
        lambda: manager.load_categories_for_variant("117", bad),
        lambda: manager.get_articles_for_category(bad, "127445", "CAT001"),
        lambda: manager.get_articles_for_category("117", bad, "CAT001"),
        lambda: manager.get_articles_for_category("117", "127445", bad),
        lambda: manager.get_articles_for_category("117", "127445", "CAT001", bad),
        lambda: manager.warm_cache_for_vehicle(bad, "ASTRA"),
    ]


@FUZZ
@given(bad=hostile_ids)
async def test_bad_identifiers_are_refused_before_any_request(
    http_manager: BucketManager, catalog_server: CatalogServer, bad: str
) -> None:
    """An identifier off the contract raises InvalidIdentifier and sends nothing to the server."""
    before = catalog_server.stats.total
    for call in id_calls(http_manager, bad):
        with pytest.raises(InvalidIdentifier):
            await call()
    results = await http_manager.get_articles_concurrent(
        [("117", "127445", bad), ("117", bad, "CAT001"), (bad, "127445", "CAT001")]
    )
    assert all(isinstance(r.error, InvalidIdentifier) for r in results)
    categories = await http_manager.get_categories_concurrent([("117", bad), (bad, "127445")])
    assert all(isinstance(r.error, InvalidIdentifier) for r in categories)
    assert catalog_server.stats.total == before


async def test_long_run_of_part_words_is_not_a_crash(agent: PartsAgent) -> None:
    """A free-text part named in over 200 characters gives our error or a report, not pydantic's."""
    vehicle = {"make": "Vauxhall", "model": "Astra", "year": 2018}
    result = await settle(agent.process_damage_report(vehicle, "front bumper " * 20))
    assert isinstance(result, PartsReport | InputError)


well_formed_items = st.fixed_dictionaries(
    {
        "vehicle": st.one_of(
            st.fixed_dictionaries(
                {"make": st.sampled_from(MAKES[:4]), "model": st.sampled_from(MODELS[:4])},
                optional={"year": years},
            ),
            vehicles,
        ),
        "damaged_parts": st.one_of(st.lists(parts, max_size=4), free_text, anything),
    }
)
batch_items = st.one_of(
    st.lists(well_formed_items, min_size=1, max_size=4),
    st.lists(
        st.one_of(
            well_formed_items,
            st.dictionaries(st.text(max_size=12), anything, max_size=3),
            st.lists(anything, max_size=3),
            anything,
        ),
        min_size=1,
        max_size=4,
    ),
)
BATCH = settings(FUZZ, max_examples=40)


def _jsonable(value: Any) -> Any:
    """What JSON cannot hold (bytes, NaN, 65-bit integers) becomes text."""
    if isinstance(value, bytes | float | int) and not isinstance(value, bool):
        try:
            orjson.dumps(value)
        except (TypeError, orjson.JSONEncodeError):
            return repr(value)
        if isinstance(value, float) and value != value:
            return repr(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


@BATCH
@given(items=batch_items)
def test_batch_lines(items: list[Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Any JSON lines through `partsagent report --batch`: one answer per line, in order."""
    lines = [orjson.dumps(_jsonable(item)) for item in items]
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(b"\n".join(lines) + b"\n")
    capsys.readouterr()
    status = main(["report", "--batch", str(batch), "--concurrency", "3"])
    out, err = capsys.readouterr()
    answers = [orjson.loads(line) for line in out.splitlines()]
    assert len(answers) == len(items), err
    failed = [a for a in answers if "error" in a]
    assert status == (1 if failed else 0), err
    for n, answer in enumerate(answers, 1):
        if "lines" in answer:
            continue
        error = answer["error"]
        # An unsettled vehicle names its candidates (best first); no other error does.
        extra = {"candidates"} if error["type"] == "UnresolvedVehicle" else set()
        assert answer["line"] == n
        assert set(error) == {"type", "message"} | extra
    assert "Traceback" not in err


def test_batch_line_with_a_unicode_line_separator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A valid JSON line whose text holds U+2028 is one report, not a 'not JSON' error."""
    item = {"vehicle": {"make": "Vauxhall", "model": "Astra", "year": 2018},
            "damaged_parts": "front bumper\u2028smashed"}  # fmt: skip
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(orjson.dumps(item) + b"\n")
    assert main(["report", "--batch", str(batch)]) == 0, capsys.readouterr().err
