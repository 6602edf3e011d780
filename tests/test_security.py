"""Hostile identifiers, secret keys, oversized bodies and shared Redis: nothing leaks or crosses."""

from __future__ import annotations

import json
import logging
import re
import shutil
import traceback
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from structlog.testing import capture_logs

from partsagent import (
    CatalogFormatError,
    CatalogUnavailable,
    InputError,
    InvalidIdentifier,
    PartsAgent,
    PlannerError,
)
from partsagent._catalog.redis import redis_cache
from partsagent._metrics import capture_metrics
from partsagent.catalog import BucketManager, HttpBucket, LocalBucket
from partsagent.planning import LLMPlanner
from partsagent.testing import CatalogServer, ScriptedOpenAIServer, Step, ToolCall

ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}
DAMAGE = [{"component": "Front Bumper Cover", "severity": "severe"}]
SECRET = "sk-test-SECRET-" + uuid.uuid4().hex
HOSTILE = [
    pytest.param("..", id="dotdot"),
    pytest.param("../../etc/passwd", id="traversal"),
    pytest.param("%2e%2e", id="percent-encoded"),
    pytest.param("CAT001/../CAT002", id="embedded-slash"),
    pytest.param("CAT001?categories=x", id="query"),
    pytest.param("CAT001#frag", id="fragment"),
    pytest.param("CAT001\x00", id="nul"),
    pytest.param("CAT001\n", id="newline"),
    pytest.param("ＣＡＴ００１", id="fullwidth"),
    pytest.param("C" * 65, id="too-long"),
    pytest.param("", id="empty"),
    pytest.param("http://evil.example/", id="url"),
]
CONTRACT_PATH = re.compile(
    r"/(index\.json|manufacturers\.json|manufacturers/[\w-]+/models\.json"
    r"|manufacturers/[\w-]+/variants/[\w-]+/categories\.json"
    r"|manufacturers/[\w-]+/variants/[\w-]+/categories/[\w-]+/articles\.json"
    r"|_batch/manufacturers/[\w-]+/(?:categories|articles)"
    r"|packs/[\w-]+/manufacturers/[\w-]+/models/[\w-]+\.json)",
    re.ASCII,
)


CAT_LIST = "manufacturers/117/variants/127445/categories.json"
ARTICLE_LIST = "manufacturers/117/variants/127445/categories/CAT001/articles.json"


@pytest.fixture(autouse=True)
def _no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own OpenAI settings out of every test."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PARTSAGENT_LLM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


# -- hostile identifiers ----------------------------------------------------------


@pytest.mark.parametrize("bad", HOSTILE)
async def test_hostile_ids_never_reach_the_server(catalog_server: CatalogServer, bad: str) -> None:
    """Every source and manager entry point refuses the id before building a URL."""
    async with HttpBucket(catalog_server.url) as bucket:
        for call in (
            lambda: bucket.models(bad),
            lambda: bucket.categories("117", bad),
            lambda: bucket.articles("117", "127445", bad),
        ):
            with pytest.raises(InvalidIdentifier):
                await call()
        for paths in (
            [CAT_LIST, f"manufacturers/117/variants/{bad}/categories.json"],
            [ARTICLE_LIST, f"manufacturers/117/variants/127445/categories/{bad}/articles.json"],
        ):
            # A hostile id inside a path: refused (InvalidIdentifier, or InputError when
            # it breaks the path's shape) before any request of the batch.
            with pytest.raises(InputError):
                await bucket.read_batch(paths)
    async with BucketManager(HttpBucket(catalog_server.url)) as manager:
        for call in (
            lambda: manager.get_models_for_manufacturer(bad),
            lambda: manager.load_categories_for_variant("117", bad),
            lambda: manager.get_articles_for_category("117", "127445", bad),
            lambda: manager.get_articles_for_category("117", "127445", "CAT001", bad),
        ):
            with pytest.raises(InvalidIdentifier):
                await call()
        results = await manager.get_articles_concurrent([("117", bad, "CAT001")])
        assert isinstance(results[0].error, InvalidIdentifier)
    assert catalog_server.stats.total == 0


@pytest.mark.parametrize("bad", HOSTILE)
async def test_hostile_ids_never_reach_the_file_system(sample_dir: Path, bad: str) -> None:
    """A local bucket refuses the id before joining it to a path."""
    async with BucketManager(LocalBucket(sample_dir)) as manager:
        with pytest.raises(InvalidIdentifier):
            await manager.get_models_for_manufacturer(bad)
        with pytest.raises(InvalidIdentifier):
            await manager.get_articles_for_category("117", bad, "CAT001")
        with pytest.raises(InputError):
            await manager.source.read_batch(
                [f"manufacturers/117/variants/127445/categories/{bad}/articles.json"]
            )


async def test_hostile_ids_from_the_model_never_reach_the_server(
    catalog_server: CatalogServer,
) -> None:
    """Ids the LLM makes up go back to it as tool errors; the catalog sees contract paths only."""
    hostile = "../../etc/passwd"
    lines = [
        {"component": "Front Bumper Cover", "category_id": "CAT001", "axle": "front",
         "reason": "damaged", "why": "Reported severe damage."},
    ]  # fmt: skip
    seen: list[dict[str, Any]] = []

    def tool_errors(body: dict[str, Any]) -> None:
        seen.extend(json.loads(m["content"]) for m in body["messages"] if m["role"] == "tool")

    script = [
        Step.tools(ToolCall("resolve_vehicle", ASTRA)),
        Step.tools(
            ToolCall("search_parts", {"needs": [{"category_id": hostile}]}),
            ToolCall(
                "check_compatibility",
                {"article_id": hostile, "variant_id": "127445", "category_id": "CAT001"},
            ),
            ToolCall("check_compatibility", {"article_id": "A1", "variant_id": hostile}),
            ToolCall(
                "check_compatibility",
                {"article_id": "A1", "variant_id": "127445", "category_id": hostile},
            ),
        ),
        Step.tools(
            ToolCall("submit_parts_list", {"lines": [{**lines[0], "category_id": hostile}]})
        ),
        Step.tools(ToolCall("submit_parts_list", {"lines": lines}), check=tool_errors),
    ]
    async with (
        ScriptedOpenAIServer(script, api_key=SECRET) as model,
        PartsAgent(
            catalog_server.url,
            planner=LLMPlanner(base_url=model.base_url, api_key=SECRET, model="scripted"),
        ) as agent,
    ):
        report = await agent.process_damage_report(ASTRA, DAMAGE)
    assert model.failures == []
    assert [ln.category.id for ln in report.lines] == ["CAT001"]
    assert catalog_server.stats.total > 0
    strays = [p for p in catalog_server.stats.paths if not CONTRACT_PATH.fullmatch(p)]
    assert strays == []
    assert "passwd" not in json.dumps(dict(catalog_server.stats.paths))
    # The refusals went back to the model, so it could correct itself.
    refused = [r["error"]["type"] for r in seen if "error" in r]
    assert refused == [
        "UnknownCategory",
        "InvalidIdentifier",
        "InvalidIdentifier",
        "UnknownCategory",
    ]


# -- the API key ------------------------------------------------------------------


@pytest.mark.parametrize(
    "step",
    [
        pytest.param(Step.fail(401, f"Incorrect API key provided: {SECRET}."), id="401"),
        pytest.param(Step.fail(500, f"internal error for key {SECRET}"), id="500"),
        pytest.param(Step.fail(429, f"rate limit for {SECRET}"), id="429"),
    ],
)
async def test_api_key_never_shown(
    catalog_server: CatalogServer,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    step: Step,
) -> None:
    """The key is in no log line, repr, error message, traceback or metric, even when echoed."""
    caplog.set_level(logging.DEBUG)
    async with ScriptedOpenAIServer([step], api_key=SECRET) as model:
        planner = LLMPlanner(
            base_url=model.base_url, api_key=SECRET, model="scripted", max_retries=0
        )
        async with PartsAgent(catalog_server.url, planner=planner) as agent:
            with (
                capture_logs() as logs,
                capture_metrics() as metrics,
                pytest.raises(PlannerError) as caught,
            ):
                await agent.process_damage_report(ASTRA, DAMAGE)
            shown = [
                repr(agent),
                repr(agent.catalog),
                repr(planner),
                str(caught.value),
                repr(caught.value),
                "".join(traceback.format_exception(caught.value)),
                repr(logs),
                repr(metrics),
                caplog.text,
            ]
    out, err = capsys.readouterr()
    assert model.failures == []
    assert len(model.requests) == 1
    # The endpoint did receive the key: the test would be vacuous otherwise.
    assert model.headers[0]["Authorization"] == f"Bearer {SECRET}"
    for text in [*shown, out, err]:
        assert SECRET not in text
    assert str(step.status) in str(caught.value)


async def test_api_key_from_the_environment_never_shown(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A key taken from OPENAI_API_KEY is kept out of errors and reprs just the same."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    async with (
        ScriptedOpenAIServer([Step.fail(401, f"bad key {SECRET}")]) as model,
        PartsAgent(
            planner=LLMPlanner(base_url=model.base_url, model="scripted", max_retries=0),
        ) as agent,
    ):
        with capture_logs() as logs, pytest.raises(PlannerError) as caught:
            await agent.process_damage_report(ASTRA, DAMAGE)
        agent_repr = repr(agent)
    texts = [str(caught.value), "".join(traceback.format_exception(caught.value))]
    for text in [*texts, agent_repr, repr(logs), caplog.text]:
        assert SECRET not in text


# -- oversized bodies -------------------------------------------------------------


async def test_oversized_document_is_refused(catalog_server: CatalogServer) -> None:
    """A body over max_body_bytes is a CatalogFormatError, neither retried nor cached."""
    async with BucketManager(HttpBucket(catalog_server.url, max_body_bytes=300)) as manager:
        for _ in range(2):
            with pytest.raises(CatalogFormatError, match="300-byte cap"):
                await manager.get_models_for_manufacturer("117")
        assert manager.get_cache_stats()["retries"] == 0
    assert catalog_server.stats.paths["/manufacturers/117/models.json"] == 2


@pytest.fixture
async def endless_server() -> AsyncIterator[tuple[TestServer, list[int]]]:
    """A hostile catalog streaming a chunked body without end or Content-Length."""
    sent = [0]

    async def endless(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        chunk = b"[" + b" " * 65535
        while True:  # until the client hangs up
            await resp.write(chunk)
            sent[0] += len(chunk)

    app = web.Application()
    app.router.add_get("/{tail:.*}", endless)
    server = TestServer(app, host="127.0.0.1")
    async with server:
        yield server, sent


async def test_endless_stream_is_cut_at_the_cap(
    endless_server: tuple[TestServer, list[int]],
) -> None:
    """A body with no Content-Length is read only up to the cap, then refused."""
    server, sent = endless_server
    cap = 256 * 1024
    async with HttpBucket(str(server.make_url("/")), max_body_bytes=cap, timeout=10) as bucket:
        with pytest.raises(CatalogFormatError, match="cap"):
            await bucket.manufacturers()
    assert sent[0] > cap


# -- Redis namespaces -------------------------------------------------------------


@pytest.fixture
def other_bucket(tmp_path: Path, sample_dir: Path) -> Path:
    """A second deployment's catalog: the sample with other names and prices, same keys."""
    bucket = tmp_path / "other"
    shutil.copytree(sample_dir, bucket)
    path = bucket / "manufacturers.json"
    makers = json.loads(path.read_text())
    for m in makers:
        m["name"] = "OTHER " + m["name"]
    path.write_text(json.dumps(makers))
    articles = bucket / "manufacturers/117/variants/127445/categories/CAT001/articles.json"
    items = json.loads(articles.read_text())
    for a in items:
        a["price"]["amount"] = "1.00"
    articles.write_text(json.dumps(items))
    return bucket


async def test_redis_namespaces_isolate_deployments(
    redis_url: str, sample_dir: Path, other_bucket: Path, unused_tcp_port: int
) -> None:
    """Two deployments with the same keys in one Redis each read back only their own entries."""
    # A 5 s bound per Redis call: what is tested is the namespaces; under load a call past
    # the 0.25 s default is a miss by design, and the dead catalog would then be asked.
    run = uuid.uuid4().hex[:8]
    ns_a, ns_b = f"a-{run}", f"b-{run}"
    async with (
        CatalogServer(sample_dir) as server_a,
        CatalogServer(other_bucket) as server_b,
        BucketManager(
            HttpBucket(server_a.url), cache=redis_cache(redis_url, namespace=ns_a, timeout=5.0)
        ) as a,
        BucketManager(
            HttpBucket(server_b.url), cache=redis_cache(redis_url, namespace=ns_b, timeout=5.0)
        ) as b,
    ):
        want_a = await a.get_manufacturers()
        want_b = await b.get_manufacturers()
        arts_a = await a.get_articles_for_category("117", "127445", "CAT001")
        arts_b = await b.get_articles_for_category("117", "127445", "CAT001")
    assert want_a != want_b
    assert arts_a != arts_b
    # Fresh processes of each deployment, their catalogs gone: Redis alone answers them.
    dead = f"http://127.0.0.1:{unused_tcp_port}/"
    for ns, manufacturers, articles in ((ns_a, want_a, arts_a), (ns_b, want_b, arts_b)):
        async with BucketManager(
            HttpBucket(dead), cache=redis_cache(redis_url, namespace=ns, timeout=5.0)
        ) as m:
            assert await m.get_manufacturers() == manufacturers
            assert await m.get_articles_for_category("117", "127445", "CAT001") == articles
            assert m.get_cache_stats()["requests"] == 0
    # A third namespace sees none of it.
    async with BucketManager(
        HttpBucket(dead), cache=redis_cache(redis_url, namespace=f"c-{run}"), attempts=1
    ) as c:
        with pytest.raises(CatalogUnavailable):
            await c.get_manufacturers()
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        keys = [k.decode() async for k in client.scan_iter(match=f"*{run}*")]
    finally:
        await client.aclose()
    assert keys
    assert all(k.startswith((f"{ns_a}:", f"{ns_b}:")) for k in keys), keys


async def test_agent_with_redis_cache_end_to_end(
    redis_url: str, catalog_server: CatalogServer, unused_tcp_port: int
) -> None:
    """A report computed through Redis equals the local one; a second process reuses the cache."""
    namespace = f"e2e-{uuid.uuid4().hex[:8]}"
    async with PartsAgent() as local:
        want = await local.process_damage_report(ASTRA, DAMAGE)
    async with PartsAgent(
        BucketManager(
            HttpBucket(catalog_server.url), cache=redis_cache(redis_url, namespace=namespace)
        )
    ) as agent:
        first = await agent.process_damage_report(ASTRA, DAMAGE)
        await agent.catalog.aclose()
    asked = catalog_server.stats.total
    dead = f"http://127.0.0.1:{unused_tcp_port}/"
    manager = BucketManager(HttpBucket(dead), cache=redis_cache(redis_url, namespace=namespace))
    async with manager, PartsAgent(manager) as again:
        second = await again.process_damage_report(ASTRA, DAMAGE)
        assert manager.get_cache_stats()["requests"] == 0
    for report in (first, second):
        assert (report.vehicle, report.lines, report.totals) == (
            want.vehicle,
            want.lines,
            want.totals,
        )
    assert catalog_server.stats.total == asked
