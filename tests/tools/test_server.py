"""The catalog server: contract paths only, the batch endpoint, stats and fault injection."""

from __future__ import annotations

import asyncio
import json
import shutil
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import orjson
import pytest
from yarl import URL

from partsagent import InputError, UsageError
from partsagent._catalog.http import BATCH_HEADER
from partsagent.catalog import sample_catalog_path
from partsagent.testing import CatalogServer, ServerOptions, start_server_process
from partsagent.testing._routes import MAX_BATCH_ITEMS

MID, VID = "117", "127445"
VARIANT = f"manufacturers/{MID}/variants/{VID}"
VID2 = "127446"
BATCH = f"_batch/manufacturers/{MID}/articles"
CATEGORY_BATCH = f"_batch/manufacturers/{MID}/categories"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp client session."""
    async with aiohttp.ClientSession() as client:
        yield client


async def raw_status(base_url: str, target: str) -> int:
    """Send ``target`` byte for byte (no client-side normalisation) and return the status."""
    url = URL(base_url)
    assert url.host is not None
    reader, writer = await asyncio.open_connection(url.host, url.port)
    try:
        writer.write(
            f"GET {target} HTTP/1.1\r\nHost: {url.host}\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        status_line = await reader.readline()
    finally:
        writer.close()
        await writer.wait_closed()
    return int(status_line.split()[1])


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, bytes]:
    async with session.get(URL(url, encoded=True)) as resp:
        return resp.status, await resp.read()


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("index.json", id="index"),
        pytest.param("manufacturers.json", id="manufacturers"),
        pytest.param(f"manufacturers/{MID}/models.json", id="models"),
        pytest.param(f"{VARIANT}/categories.json", id="categories"),
        pytest.param(f"{VARIANT}/categories/CAT001/articles.json", id="articles"),
    ],
)
async def test_serves_every_document_kind_as_json(
    catalog_server: CatalogServer, session: aiohttp.ClientSession, sample_dir: Path, path: str
) -> None:
    """Each kind of contract document is served byte for byte as application/json."""
    async with session.get(catalog_server.url + path) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        assert resp.headers[BATCH_HEADER] == "1"
        assert await resp.read() == (sample_dir / path).read_bytes()


async def test_missing_document_is_404_with_batch_header(
    catalog_server: CatalogServer, session: aiohttp.ClientSession
) -> None:
    """A well-formed path to a document that does not exist is 404 and still announces batch."""
    async with session.get(catalog_server.url + "manufacturers/NOPE/models.json") as resp:
        assert resp.status == 404
        assert resp.headers[BATCH_HEADER] == "1"


@pytest.fixture(scope="module")
def hostile_bucket(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample with a secret beside it, a stray file and a symlink out of it."""
    tmp_path = tmp_path_factory.mktemp("hostile")
    bucket = tmp_path / "bucket"
    for rel in ("index.json", "manufacturers.json", f"manufacturers/{MID}/models.json"):
        (bucket / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sample_catalog_path() / rel, bucket / rel)
    (tmp_path / "secret.json").write_text('["secret"]')
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "models.json").write_text("[]")
    (bucket / "manufacturers" / "EVIL").symlink_to(outside, target_is_directory=True)
    (bucket / "notes.json").write_text("[]")
    (bucket / "manufacturers" / MID / "secret.json").write_text("[]")
    return bucket


HOSTILE_TARGETS = [
    pytest.param("/../secret.json", id="dotdot"),
    pytest.param("/manufacturers/../../secret.json", id="dotdot-deep"),
    pytest.param("/%2e%2e/secret.json", id="encoded-dotdot"),
    pytest.param("/%2E%2E/%2E%2E/etc/passwd", id="encoded-dotdot-upper"),
    pytest.param("/manufacturers/%2e%2e/%2e%2e/secret.json", id="encoded-dotdot-deep"),
    pytest.param("/manufacturers/117%2Fmodels.json", id="encoded-slash"),
    pytest.param("/manufacturers/..%2F..%2Fsecret.json", id="encoded-slash-dotdot"),
    pytest.param("/manufacturers/..%5C..%5Csecret.json", id="encoded-backslash"),
    pytest.param("/manufacturers/117%00/models.json", id="nul"),
    pytest.param("/manufacturers/" + "A" * 10_240 + "/models.json", id="10kB-segment"),
    pytest.param("/manufacturers/%EF%BC%91%EF%BC%91%EF%BC%97/models.json", id="fullwidth-digits"),
    pytest.param(
        f"/manufacturers/{MID}/variants/{VID}/categories/%D0%A1%D0%90T001/articles.json",
        id="cyrillic-lookalike",
    ),
    pytest.param("//etc/passwd", id="absolute"),
    pytest.param("/manufacturers//models.json", id="empty-segment"),
    pytest.param("/./index.json", id="dot-segment"),
    pytest.param("/index.json/", id="trailing-slash"),
    pytest.param("/index.json%20", id="trailing-space"),
    pytest.param("/manufacturers/EVIL/models.json", id="symlink-out"),
    pytest.param("/notes.json", id="stray-file"),
    pytest.param(f"/manufacturers/{MID}/secret.json", id="stray-nested-file"),
    pytest.param("/manufacturers", id="directory"),
    pytest.param("/", id="root"),
]


@pytest.mark.parametrize("target", ["/index.json", f"/manufacturers/{MID}/models.json"])
async def test_raw_requests_for_real_documents_succeed(hostile_bucket: Path, target: str) -> None:
    """Control for the hostile cases: the same bucket and raw client do serve real documents."""
    async with CatalogServer(hostile_bucket) as server:
        assert await raw_status(server.url, target) == 200


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
async def test_hostile_paths_are_404(hostile_bucket: Path, target: str) -> None:
    """Traversal, encodings, look-alikes, links out and stray files are all 404."""
    async with CatalogServer(hostile_bucket) as server:
        assert await raw_status(server.url, target) == 404
        assert server.stats.statuses[404] == 1
        assert server.stats.statuses[200] == 0


async def test_batch_returns_items_and_null_for_missing(
    catalog_server: CatalogServer, session: aiohttp.ClientSession, sample_dir: Path
) -> None:
    """The batch holds each article list by path, null for a missing one, and counts once."""
    query = f"?items={VID}/CAT001,{VID}/NOPE,{VID2}/CAT002"
    status, body = await get(session, catalog_server.url + BATCH + query)
    assert status == 200
    items = orjson.loads(body)["items"]
    paths = [
        f"manufacturers/{MID}/variants/{VID}/categories/CAT001/articles.json",
        f"manufacturers/{MID}/variants/{VID}/categories/NOPE/articles.json",
        f"manufacturers/{MID}/variants/{VID2}/categories/CAT002/articles.json",
    ]
    assert list(items) == paths
    assert items[paths[1]] is None
    for path in (paths[0], paths[2]):
        assert items[path] == orjson.loads((sample_dir / path).read_bytes())
    assert catalog_server.stats.total == 1
    assert catalog_server.stats.paths == {"/" + BATCH: 1}


async def test_category_batch_returns_lists_by_variant(
    catalog_server: CatalogServer, session: aiohttp.ClientSession, sample_dir: Path
) -> None:
    """The category batch holds each variant's category list, null for an unknown variant."""
    status, body = await get(
        session, catalog_server.url + CATEGORY_BATCH + f"?variants={VID},{VID2},999999"
    )
    assert status == 200
    items = orjson.loads(body)["items"]
    paths = [f"manufacturers/{MID}/variants/{v}/categories.json" for v in (VID, VID2, "999999")]
    assert list(items) == paths
    assert items[paths[0]] == orjson.loads((sample_dir / paths[0]).read_bytes())
    assert items[paths[1]] == orjson.loads((sample_dir / paths[1]).read_bytes())
    assert items[paths[2]] is None
    assert catalog_server.stats.paths == {"/" + CATEGORY_BATCH: 1}


@pytest.mark.parametrize(
    ("endpoint", "query"),
    [
        pytest.param(BATCH, f"items={VID}/CAT001,{VID}/..%2F..", id="traversal"),
        pytest.param(BATCH, f"items={VID}/CAT001,{VID}/%EF%BC%91", id="fullwidth"),
        pytest.param(BATCH, "items=", id="empty"),
        pytest.param(BATCH, f"items={VID}/CAT001,,{VID}/CAT002", id="empty-item"),
        pytest.param(BATCH, f"items={VID}/CAT001&items={VID}/CAT002", id="repeated"),
        pytest.param(BATCH, "", id="missing"),
        pytest.param(BATCH, f"items={VID}", id="variant-without-category"),
        pytest.param(BATCH, f"items={VID}/CAT001/x", id="three-ids"),
        pytest.param(
            BATCH,
            "items=" + ",".join(f"{VID}/C{i}" for i in range(MAX_BATCH_ITEMS + 1)),
            id="over-cap",
        ),
        pytest.param(CATEGORY_BATCH, f"variants={VID}/CAT001", id="pair-for-categories"),
        pytest.param(CATEGORY_BATCH, f"items={VID}", id="wrong-parameter"),
        pytest.param(
            CATEGORY_BATCH, f"variants={VID}&items={VID}/CAT001", id="categories-both-parameters"
        ),
        pytest.param(BATCH, f"items={VID}/CAT001&variants={VID}", id="articles-both-parameters"),
        pytest.param(
            CATEGORY_BATCH,
            "variants=" + ",".join(str(i) for i in range(MAX_BATCH_ITEMS + 1)),
            id="categories-over-cap",
        ),
    ],
)
async def test_batch_refuses_bad_queries(
    catalog_server: CatalogServer, session: aiohttp.ClientSession, endpoint: str, query: str
) -> None:
    """A bad id, a wrong shape, an empty list or too many documents is 400."""
    status, body = await get(session, catalog_server.url + endpoint + "?" + query)
    assert status == 400
    assert "error" in orjson.loads(body)


@pytest.mark.parametrize(
    "path",
    [
        "_batch/manufacturers/%2e%2e/articles?items=1/A",
        f"_batch/manufacturers/{MID}/models?variants={VID}",
        f"_batch/manufacturers/{MID}/variants/{VID}/articles?categories=CAT001",
    ],
)
async def test_batch_off_the_routes_is_404(
    catalog_server: CatalogServer, session: aiohttp.ClientSession, path: str
) -> None:
    """A batch path with an id off the contract, or a kind it does not batch, is no route."""
    status, _ = await get(session, catalog_server.url + path)
    assert status == 404


async def test_stats_count_concurrency(
    catalog_server: CatalogServer, session: aiohttp.ClientSession
) -> None:
    """Twenty concurrent slow requests are all counted, several of them in flight at once."""
    catalog_server.options = ServerOptions(latency_ms=100)
    statuses = await asyncio.gather(
        *(get(session, catalog_server.url + "index.json") for _ in range(20))
    )
    assert [status for status, _ in statuses] == [200] * 20
    snap = catalog_server.stats.snapshot()
    assert snap["total"] == 20
    assert snap["paths"] == {"/index.json": 20}
    assert snap["statuses"] == {"200": 20}
    assert snap["max_in_flight"] > 1
    assert snap["in_flight"] == 0


async def test_stats_endpoints(
    catalog_server: CatalogServer, session: aiohttp.ClientSession
) -> None:
    """GET /_stats shows the counts without counting itself; POST /_stats/reset clears them."""
    await get(session, catalog_server.url + "index.json")
    status, body = await get(session, catalog_server.url + "_stats")
    assert status == 200
    assert orjson.loads(body)["total"] == 1
    async with session.post(catalog_server.url + "_stats/reset") as resp:
        assert resp.status == 200
        assert (await resp.json())["total"] == 0
    assert catalog_server.stats.total == 0


async def test_error_rate_gives_503_with_retry_after(
    catalog_server: CatalogServer, session: aiohttp.ClientSession
) -> None:
    """An injected error is a 503 with Retry-After: 0, on documents and batches alike."""
    catalog_server.options = ServerOptions(error_rate=1.0)
    for path in ("index.json", BATCH + f"?items={VID}/CAT001,{VID}/CAT002"):
        async with session.get(catalog_server.url + path) as resp:
            assert resp.status == 503
            assert resp.headers["Retry-After"] == "0"
    assert catalog_server.stats.faults["error"] == 2


async def test_retry_after_is_the_option(
    catalog_server: CatalogServer, session: aiohttp.ClientSession
) -> None:
    """``retry_after`` sets the Retry-After of injected 503s."""
    catalog_server.options = ServerOptions(error_rate=1.0, retry_after=7.5)
    async with session.get(catalog_server.url + "index.json") as resp:
        assert resp.status == 503
        assert resp.headers["Retry-After"] == "7.5"


async def test_stall_never_answers(catalog_server: CatalogServer) -> None:
    """A stalled request gets no status and no byte: the client's own timeout ends it."""
    catalog_server.options = ServerOptions(stall_rate=1.0)
    timeout = aiohttp.ClientTimeout(total=0.3)
    async with aiohttp.ClientSession(timeout=timeout) as client:
        with pytest.raises(TimeoutError):
            await get(client, catalog_server.url + "index.json")
    assert catalog_server.stats.faults["stall"] == 1
    assert catalog_server.stats.statuses == {}


async def test_batch_error_spares_single_documents(
    catalog_server: CatalogServer, session: aiohttp.ClientSession
) -> None:
    """``batch_error_rate`` fails batch requests only."""
    catalog_server.options = ServerOptions(batch_error_rate=1.0)
    assert (await get(session, catalog_server.url + BATCH + f"?items={VID}/CAT001"))[0] == 503
    assert (await get(session, catalog_server.url + f"{VARIANT}/categories.json"))[0] == 200
    assert catalog_server.stats.faults["batch_error"] == 1


async def test_faults_spare_the_control_endpoints(
    catalog_server: CatalogServer, session: aiohttp.ClientSession
) -> None:
    """/_stats answers even when every document request fails."""
    catalog_server.options = ServerOptions(error_rate=1.0, reset_rate=1.0)
    status, body = await get(session, catalog_server.url + "_stats")
    assert status == 200
    assert orjson.loads(body)["total"] == 0


async def test_options_can_be_swapped_at_runtime(
    catalog_server: CatalogServer, session: aiohttp.ClientSession
) -> None:
    """Replacing the options clears a fault for the next request."""
    catalog_server.options = ServerOptions(error_rate=1.0)
    assert (await get(session, catalog_server.url + "index.json"))[0] == 503
    catalog_server.options = ServerOptions()
    assert (await get(session, catalog_server.url + "index.json"))[0] == 200


async def test_burst_fails_consecutive_requests(
    catalog_server: CatalogServer, session: aiohttp.ClientSession
) -> None:
    """Every third request starts a burst of two 503s."""
    catalog_server.options = ServerOptions(burst_every=3, burst_len=2)
    statuses = [(await get(session, catalog_server.url + "index.json"))[0] for _ in range(7)]
    assert statuses == [200, 200, 503, 503, 200, 503, 503]
    assert catalog_server.stats.faults["burst"] == 4


async def test_same_seed_same_faults(sample_dir: Path, session: aiohttp.ClientSession) -> None:
    """Two servers with the same seed inject the same faults in the same order."""
    runs = []
    for _ in range(2):
        async with CatalogServer(sample_dir, ServerOptions(error_rate=0.5, seed=7)) as server:
            runs.append([(await get(session, server.url + "index.json"))[0] for _ in range(30)])
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 503}


async def test_reset_closes_without_response(
    catalog_server: CatalogServer, session: aiohttp.ClientSession
) -> None:
    """A reset drops the connection: the client sees a connection error, no status."""
    catalog_server.options = ServerOptions(reset_rate=1.0)
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(session, catalog_server.url + "index.json")
    # aiohttp retries an idempotent request once on a dropped connection: every try was reset.
    assert catalog_server.stats.faults["reset"] == catalog_server.stats.total >= 1
    assert not catalog_server.stats.statuses


async def test_truncate_sends_half_the_body(
    catalog_server: CatalogServer, session: aiohttp.ClientSession
) -> None:
    """A truncated body announces the full length and stops half way."""
    catalog_server.options = ServerOptions(truncate_rate=1.0)
    async with session.get(catalog_server.url + f"manufacturers/{MID}/models.json") as resp:
        assert resp.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()


async def test_invalid_json(catalog_server: CatalogServer, session: aiohttp.ClientSession) -> None:
    """The invalid-JSON fault answers 200 with a body no JSON parser accepts."""
    catalog_server.options = ServerOptions(invalid_json_rate=1.0)
    status, body = await get(session, catalog_server.url + "index.json")
    assert status == 200
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(body)


async def test_drip_delivers_the_full_body(
    catalog_server: CatalogServer, session: aiohttp.ClientSession, sample_dir: Path
) -> None:
    """A dripped body arrives complete, in small chunks."""
    catalog_server.options = ServerOptions(drip_rate=1.0, drip_chunk=512, drip_delay_ms=1)
    path = f"manufacturers/{MID}/models.json"
    status, body = await get(session, catalog_server.url + path)
    assert status == 200
    assert body == (sample_dir / path).read_bytes()
    assert catalog_server.stats.faults["drip"] == 1


async def test_spikes_are_counted(
    catalog_server: CatalogServer, session: aiohttp.ClientSession
) -> None:
    """A latency spike delays but still answers, and is counted as a fault."""
    catalog_server.options = ServerOptions(spike_rate=1.0, spike_ms=5)
    assert (await get(session, catalog_server.url + "index.json"))[0] == 200
    assert catalog_server.stats.faults["spike"] == 1


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"error_rate": 1.5}, id="rate-above-1"),
        pytest.param({"reset_rate": -0.1}, id="negative-rate"),
        pytest.param({"latency_ms": -1}, id="negative-latency"),
        pytest.param({"drip_chunk": 0}, id="empty-chunk"),
        pytest.param({"stall_rate": 2.0}, id="stall-rate"),
        pytest.param({"batch_error_rate": -1.0}, id="batch-error-rate"),
        pytest.param({"retry_after": -1.0}, id="negative-retry-after"),
    ],
)
def test_options_are_validated(fields: dict[str, float]) -> None:
    """Out-of-range options are refused with InputError."""
    with pytest.raises(InputError):
        ServerOptions(**fields)  # type: ignore[arg-type]


async def test_url_requires_a_running_server(sample_dir: Path) -> None:
    """The URL exists only while the server runs; it ends with '/'."""
    server = CatalogServer(sample_dir)
    with pytest.raises(UsageError):
        _ = server.url
    async with server:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.url.endswith("/")


def test_server_process(sample_dir: Path) -> None:
    """A server in a child process answers, takes new options over HTTP and stops."""
    with start_server_process(sample_dir, ServerOptions(seed=1)) as proc:
        with urllib.request.urlopen(proc.url + "index.json", timeout=5) as resp:
            assert resp.status == 200
        request = urllib.request.Request(
            proc.url + "_options",
            data=json.dumps({"error_rate": 1.0}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as resp:
            assert json.loads(resp.read())["error_rate"] == 1.0
        with urllib.request.urlopen(proc.url + "_stats", timeout=5) as resp:
            assert json.loads(resp.read())["total"] == 1
    assert proc.process.returncode is not None
