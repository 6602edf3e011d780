"""The examples: the FastAPI app under a real uvicorn, the aiohttp app, the plain script."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
import anyio
import pytest
import uvicorn
from aiohttp.test_utils import TestServer
from prometheus_client.parser import text_string_to_metric_families

from partsagent import PartsAgent, PartsReport
from partsagent.catalog import CircuitBreaker
from partsagent.testing import CatalogServer, ServerOptions

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}
REPORTS: list[dict[str, Any]] = [
    {
        "vehicle": ASTRA,
        "damage": [
            {"component": "Front Bumper Cover", "severity": "severe"},
            {"component": "Headlight Assembly", "severity": "moderate"},
        ],
    },
    {"vehicle": ASTRA, "damage": "rear bumper cracked and the left tail light is broken"},
    {
        "vehicle": {"make": "Ford", "model": "Focus", "year": 2020},
        "damage": [{"component": "bonnet", "severity": "minor"}],
    },
    {
        "vehicle": {"make": "VW", "model": "Golf", "year": 2016},
        "damage": [{"component": "left door mirror", "severity": "moderate"}],
    },
]
COMPARED = ("vehicle", "lines", "operations", "totals", "rates", "warnings", "confidence")


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` by path: examples/ is not a package."""
    spec = importlib.util.spec_from_file_location(f"partsagent_example_{name}", EXAMPLES / name)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fastapi_app = load_example("fastapi_app.py")
aiohttp_app = load_example("aiohttp_app.py")
script = load_example("script.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Server(uvicorn.Server):
    """uvicorn's server with an event for "listening", so the test waits on it, not a sleep."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Run ``app`` under uvicorn in this event loop on a free port; yield its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="on",
        ws="none",
        timeout_graceful_shutdown=5,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    ready = asyncio.create_task(server.ready.wait())
    try:
        await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
        assert server.ready.is_set(), "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        ready.cancel()
        server.should_exit = True
        await task
        sock.close()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text exposition, by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def reference(body: dict[str, Any]) -> dict[str, Any]:
    """The report for ``body`` computed in-process on the embedded sample catalog."""
    async with PartsAgent() as agent:
        report = await agent.process_damage_report(body["vehicle"], body["damage"])
    return report.model_dump(mode="json")


async def test_many_concurrent_clients(catalog_server: CatalogServer) -> None:
    """100 concurrent POST /reports succeed, equal inputs give equal reports, /metrics counts."""
    catalog_server.options = ServerOptions(latency_ms=5, jitter_ms=5, seed=1)
    app = fastapi_app.create_app(catalog_server.url)
    expected = [await reference(body) for body in REPORTS]
    async with serve(app) as url, aiohttp.ClientSession() as client:

        async def post(i: int) -> tuple[int, dict[str, Any]]:
            async with client.post(f"{url}/reports", json=REPORTS[i % len(REPORTS)]) as resp:
                return resp.status, await resp.json()

        results = await asyncio.gather(*(post(i) for i in range(100)))
        # Vehicle warming runs on in the background after the reports: it must finish.
        with anyio.fail_after(10):
            while True:
                async with client.get(f"{url}/stats") as resp:
                    assert resp.status == 200
                    metrics = await resp.json()
                if metrics["catalog_cache"]["in_flight"] == 0:
                    break
                await asyncio.sleep(0.02)
        async with client.get(f"{url}/healthz") as resp:
            health = await resp.json()
        async with client.get(f"{url}/metrics") as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith("text/plain")
            scraped = samples(await resp.text())
    assert [status for status, _ in results] == [200] * 100
    for i, (_, body) in enumerate(results):
        want = expected[i % len(REPORTS)]
        assert {k: body[k] for k in COMPARED} == {k: want[k] for k in COMPARED}
        PartsReport.model_validate(body)
    assert metrics["summary"]["operations"]["agent.plan"]["calls"] >= len(REPORTS)
    assert metrics["summary"]["operations"]["catalog.articles"]["calls"] > 0
    reports = metrics["report_cache"]
    assert reports["hits"] + reports["misses"] + reports["coalesced"] == 100
    assert health == {"status": "ok", "catalog": "closed"}
    # The same figures in the Prometheus text format, read by prometheus-client's own parser.
    assert scraped[("partsagent_reports_total", (("outcome", "ok"),))] == 100
    by_result = {
        dict(labels)["result"]: value
        for (name, labels), value in scraped.items()
        if name == "partsagent_report_cache_lookups_total"
    }
    assert by_result == {
        "hit": reports["hits"],
        "miss": reports["misses"],
        "coalesced": reports["coalesced"],
    }
    report_count = (("operation", "agent.report"), ("outcome", "ok"))
    assert scraped[("partsagent_operation_duration_seconds_count", report_count)] == 100
    inf = tuple(sorted((*report_count, ("le", "+Inf"))))
    assert scraped[("partsagent_operation_duration_seconds_bucket", inf)] == 100
    requests = sum(
        v for (name, _), v in scraped.items() if name == "partsagent_catalog_requests_total"
    )
    assert requests == metrics["catalog_cache"]["requests"]
    assert requests <= catalog_server.stats.total
    assert scraped[("partsagent_circuit_breaker_state", ())] == 0


async def test_the_estimate_and_its_openapi_schema() -> None:
    """POST /reports returns the estimate; /openapi.json documents its new fields."""
    body = {**REPORTS[0], "market": "US"}
    async with serve(fastapi_app.create_app()) as url, aiohttp.ClientSession() as client:
        async with client.post(f"{url}/reports", json=body) as resp:
            assert resp.status == 200
            report = await resp.json()
        async with client.get(f"{url}/openapi.json") as resp:
            schema = (await resp.json())["components"]["schemas"]
    assert report["totals"]["total"]["currency"] == "USD"
    assert report["totals"]["tax_rate"] == "0.0725"
    assert {op["operation"] for op in report["operations"]} >= {"replace", "refinish", "sublet"}
    assert all(isinstance(op["hours"], str) for op in report["operations"])
    assert {"operations", "totals", "rates"} <= set(schema["PartsReport"]["properties"])
    operation = schema["Operation"]["properties"]
    assert set(operation["operation"]["enum"]) == {
        "replace", "remove_refit", "repair", "refinish", "blend", "sublet",
    }  # fmt: skip
    for field in ("category", "position", "hours", "amount", "why", "source", "rule", "line"):
        assert field in operation
    assert operation["hours"]["type"] == "string"
    totals = schema["Totals"]["properties"]
    for field in ("parts", "consumables", "labour", "paint_materials", "sublet", "net",
                  "tax_rate", "tax", "total"):  # fmt: skip
        assert field in totals
    assert totals["tax_rate"]["type"] == "string"


async def test_market_uk_is_gb() -> None:
    """ "market": "UK" is accepted, as everywhere else, and prices as GB (GBP, VAT)."""
    async with serve(fastapi_app.create_app()) as url, aiohttp.ClientSession() as client:
        answers = {}
        for market in ("UK", "GB"):
            async with client.post(f"{url}/reports", json={**REPORTS[0], "market": market}) as r:
                assert r.status == 200, await r.text()
                answers[market] = await r.json()
    assert answers["UK"]["totals"] == answers["GB"]["totals"]
    assert answers["UK"]["totals"]["total"]["currency"] == "GBP"
    assert answers["UK"]["market"] == "GB"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        pytest.param({"damage": "bumper"}, "vehicle", id="no-vehicle"),
        pytest.param(
            {"vehicle": {**ASTRA, "year": 1800}, "damage": "bumper"}, "year", id="bad-year"
        ),
        pytest.param({"vehicle": {"year": 2018}, "damage": "bumper"}, "VIN", id="no-make-no-model"),
        pytest.param(
            {"vehicle": ASTRA, "damage": [{"component": "bonnet", "severity": "awful"}]},
            "severity",
            id="bad-severity",
        ),
        pytest.param({"vehicle": ASTRA, "damage": []}, "at least one", id="no-damage"),
        pytest.param({"vehicle": ASTRA, "damage": "   "}, "empty", id="blank-text"),
        pytest.param(
            {"vehicle": {"make": "Nosuchmake", "model": "X", "year": 2018}, "damage": "bumper"},
            "unknown make",
            id="unknown-make",
        ),
        pytest.param({"vehicle": ASTRA, "damage": "zzz qqq"}, "no damaged part", id="no-part"),
        pytest.param([1, 2], "", id="not-an-object"),
    ],
)
async def test_bad_input_is_one_readable_422(body: Any, words: str) -> None:
    """Bad input is 422 with one {"error": {"type", "message"}} naming the problem."""
    async with serve(fastapi_app.create_app()) as url, aiohttp.ClientSession() as client:
        async with client.post(f"{url}/reports", json=body) as resp:
            status, payload = resp.status, await resp.json()
        async with client.post(f"{url}/reports", data=b"{not json") as resp:
            broken_status, broken = resp.status, await resp.json()
    assert status == 422
    assert set(payload) == {"error"}
    assert set(payload["error"]) == {"type", "message"}
    assert payload["error"]["type"] == "InputError"
    assert words in payload["error"]["message"]
    assert broken_status == 422
    assert broken["error"]["type"] == "InputError"


async def test_unresolved_vehicle_is_422_with_candidates() -> None:
    """An unsettled vehicle is a 422 whose body lists the candidates, best first, to retry with."""
    body = {"vehicle": {"make": "Ford", "year": 2019}, "damage": "bonnet dented"}
    async with serve(fastapi_app.create_app()) as url, aiohttp.ClientSession() as client:
        async with client.post(f"{url}/reports", json=body) as resp:
            status, payload = resp.status, await resp.json()
        best = payload["error"]["candidates"][0]
        retry = {**body, "vehicle": {"make": best["make"], "model": best["model"], "year": 2019}}
        async with client.post(f"{url}/reports", json=retry) as resp:
            retried_status, retried = resp.status, await resp.json()
    assert status == 422
    assert payload["error"]["type"] == "UnresolvedVehicle"
    assert [c["name"] for c in payload["error"]["candidates"]] == ["FORD FIESTA", "FORD FOCUS"]
    assert set(best) >= {"name", "score", "manufacturer_id", "model_id", "make", "model"}
    assert retried_status == 200
    assert retried["vehicle"]["model"]["id"] == best["model_id"]


async def test_dead_catalog_is_503_fast_with_retry_after() -> None:
    """With the catalog down, requests get 503 + Retry-After; once the breaker opens, no waiting."""
    port = free_port()
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=60)
    app = fastapi_app.create_app(
        f"http://127.0.0.1:{port}/",
        catalog_options={"breaker": breaker, "attempts": 2, "backoff_initial": 0.01},
    )
    timeout = aiohttp.ClientTimeout(total=10)
    async with serve(app) as url, aiohttp.ClientSession(timeout=timeout) as client:
        answers = []
        for _ in range(5):
            async with client.post(f"{url}/reports", json=REPORTS[0]) as resp:
                answers.append((resp.status, resp.headers.get("Retry-After"), await resp.json()))
        async with client.get(f"{url}/healthz") as resp:
            health = await resp.json()
    assert [status for status, _, _ in answers] == [503] * 5
    assert all(retry is not None and int(retry) >= 1 for _, retry, _ in answers)
    assert answers[-1][2]["error"]["type"] == "CircuitOpen"
    assert breaker.snapshot().rejected >= 4
    assert health == {"status": "ok", "catalog": "open"}


async def test_environment_configures_the_app(
    catalog_server: CatalogServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PARTSAGENT_CATALOG points the app at a catalog URL; PARTSAGENT_PLANNER picks the planner."""
    monkeypatch.setenv("PARTSAGENT_CATALOG", catalog_server.url)
    monkeypatch.setenv("PARTSAGENT_PLANNER", "rules")
    async with (
        serve(fastapi_app.create_app()) as url,
        aiohttp.ClientSession() as client,
        client.post(f"{url}/reports", json=REPORTS[2]) as resp,
    ):
        assert resp.status == 200
        body = await resp.json()
    assert body["planner"] == "rules"
    assert catalog_server.stats.total > 0


async def test_aiohttp_example(catalog_server: CatalogServer) -> None:
    """The aiohttp.web example answers reports and maps errors like the FastAPI one."""
    server = TestServer(aiohttp_app.create_app(catalog_server.url), host="127.0.0.1")
    async with server, aiohttp.ClientSession() as client:
        url = str(server.make_url("/reports"))
        async with client.post(url, json=REPORTS[0]) as resp:
            ok_status, ok = resp.status, await resp.json()
        async with client.post(url, json={"vehicle": {"year": 2018}, "damage": "bumper"}) as resp:
            bad_status, bad = resp.status, await resp.json()
        async with client.post(url, data=b"[") as resp:
            broken_status = resp.status
    want = await reference(REPORTS[0])
    assert ok_status == 200
    assert ok["lines"] == want["lines"]
    assert bad_status == 422
    assert bad["error"]["type"] == "InputError"
    assert broken_status == 400


async def test_script_example(catalog_server: CatalogServer) -> None:
    """The plain asyncio script returns reports for known vehicles and an InputError otherwise."""
    results = await script.run(catalog_server.url)
    assert [type(r).__name__ for r in results] == ["PartsReport", "PartsReport", "InputError"]
