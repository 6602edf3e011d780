"""Catalog sources: LocalBucket and HttpBucket read the same contract and fail the same way."""

from __future__ import annotations

import gc
import re
import shutil
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import orjson
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partsagent import (
    CatalogError,
    CatalogFormatError,
    CatalogUnavailable,
    InputError,
    InvalidIdentifier,
    NotFound,
    UsageError,
)
from partsagent._catalog.documents import Deferred
from partsagent._catalog.source import BatchItem
from partsagent.catalog import CatalogSource, HttpBucket, LocalBucket, sample_catalog_path
from partsagent.testing import CatalogServer, ServerOptions

MID, VID = "117", "127445"
ARTICLES = f"manufacturers/{MID}/variants/{VID}/categories/CAT001/articles.json"
CONTRACT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def tiny_server(handler: Handler) -> AsyncIterator[str]:
    """A test-only aiohttp server answering every GET with ``handler``."""
    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/"
    finally:
        await runner.cleanup()


async def read_every_kind(source: CatalogSource) -> dict[str, Any]:
    """Every kind of document through ``source``: all makers' models, a sample of the rest.

    The first variant of each model gives its categories and the articles of its
    first three categories; that covers every document kind of every maker quickly.
    """
    out: dict[str, Any] = {"index": await source.index()}
    manufacturers = await source.manufacturers()
    out["manufacturers"] = manufacturers
    for maker in manufacturers:
        models = await source.models(maker.id)
        out[f"models/{maker.id}"] = models
        for model in models:
            for variant in model.variants[:1]:
                categories = await source.categories(maker.id, variant.id)
                out[f"categories/{maker.id}/{variant.id}"] = categories
                for category in categories[:3]:
                    key = f"articles/{maker.id}/{variant.id}/{category.id}"
                    out[key] = await source.articles(maker.id, variant.id, category.id)
    return out


async def test_three_sources_agree_on_the_sample(
    sample_dir: Path, catalog_server: CatalogServer, static_server: Callable[[Path], str]
) -> None:
    """LocalBucket, HttpBucket on CatalogServer and on http.server read the same documents."""
    async with (
        LocalBucket(sample_dir) as local,
        HttpBucket(catalog_server.url) as served,
        HttpBucket(static_server(sample_dir)) as static,
    ):
        expected = await read_every_kind(local)
        assert await read_every_kind(served) == expected
        assert await read_every_kind(static) == expected
    assert any(key.startswith("articles/") and docs for key, docs in expected.items())
    assert served.batch_supported is True
    assert static.batch_endpoint is False
    assert static.batch_supported is True  # the sample is packed


@pytest.fixture
async def sources(
    sample_dir: Path, catalog_server: CatalogServer
) -> AsyncIterator[dict[str, CatalogSource]]:
    """A LocalBucket and an HttpBucket over the same sample."""
    async with LocalBucket(sample_dir) as local, HttpBucket(catalog_server.url) as http:
        yield {"local": local, "http": http}


@pytest.mark.parametrize("kind", ["local", "http"])
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda s: s.models("NOPE"), id="models"),
        pytest.param(lambda s: s.categories(MID, "NOPE"), id="categories"),
        pytest.param(lambda s: s.articles(MID, VID, "NOPE"), id="articles"),
    ],
)
async def test_missing_document_is_not_found(
    sources: dict[str, CatalogSource],
    kind: str,
    call: Callable[[CatalogSource], Awaitable[object]],
) -> None:
    """A document that does not exist raises NotFound naming its path."""
    with pytest.raises(NotFound) as info:
        await call(sources[kind])
    assert "NOPE" in info.value.path


async def test_server_error_is_unavailable_with_retry_after(
    catalog_server: CatalogServer,
) -> None:
    """A 503 becomes CatalogUnavailable carrying the parsed Retry-After."""
    catalog_server.options = ServerOptions(error_rate=1.0)
    async with HttpBucket(catalog_server.url) as source:
        with pytest.raises(CatalogUnavailable) as info:
            await source.index()
    assert info.value.retry_after == 0.0
    assert info.value.path == "index.json"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("7", 7.0, id="seconds"),
        pytest.param("Wed, 21 Oct 2015 07:28:00 GMT", 0.0, id="date-in-the-past"),
        pytest.param("soon", None, id="garbage"),
    ],
)
async def test_retry_after_forms(header: str, expected: float | None) -> None:
    """Retry-After in seconds or as an HTTP date is parsed; garbage is ignored."""

    async def busy(request: web.Request) -> web.Response:
        return web.Response(status=503, headers={"Retry-After": header})

    async with tiny_server(busy) as url, HttpBucket(url) as source:
        with pytest.raises(CatalogUnavailable) as info:
            await source.index()
    assert info.value.retry_after == expected


async def test_timeout_is_unavailable(catalog_server: CatalogServer) -> None:
    """A server slower than the timeout gives CatalogUnavailable, not a hang."""
    catalog_server.options = ServerOptions(latency_ms=2000)
    async with HttpBucket(catalog_server.url, timeout=0.2) as source:
        with pytest.raises(CatalogUnavailable, match="within 0.2s"):
            await source.index()


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(ServerOptions(truncate_rate=1.0), id="truncated"),
        pytest.param(ServerOptions(reset_rate=1.0), id="reset"),
    ],
)
async def test_broken_transfer_is_unavailable(
    catalog_server: CatalogServer, options: ServerOptions
) -> None:
    """A truncated body or a dropped connection is retryable, not a format error."""
    catalog_server.options = options
    async with HttpBucket(catalog_server.url) as source:
        with pytest.raises(CatalogUnavailable):
            await source.models(MID)


async def test_invalid_json_is_format_error(catalog_server: CatalogServer) -> None:
    """A 200 whose body is not JSON is a CatalogFormatError naming the path."""
    catalog_server.options = ServerOptions(invalid_json_rate=1.0)
    async with HttpBucket(catalog_server.url) as source:
        with pytest.raises(CatalogFormatError) as info:
            await source.articles(MID, VID, "CAT001")
    assert info.value.path == ARTICLES


def copy_documents(sample_dir: Path, bucket: Path, paths: Sequence[str]) -> None:
    """A partial copy of the sample: only ``paths`` (copying all of it is slow)."""
    for rel in paths:
        (bucket / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sample_dir / rel, bucket / rel)


@pytest.fixture
def bad_bucket(sample_dir: Path, tmp_path: Path) -> Path:
    """Part of the sample where one articles.json is off the contract and one is not JSON."""
    bucket = tmp_path / "bucket"
    copy_documents(
        sample_dir,
        bucket,
        ["index.json", "manufacturers.json", ARTICLES, ARTICLES.replace("CAT001", "CAT002")],
    )
    articles = orjson.loads((bucket / ARTICLES).read_bytes())
    articles[0]["price"]["amount"] = 12.5  # a float price breaks the contract
    (bucket / ARTICLES).write_bytes(orjson.dumps(articles))
    (bucket / "manufacturers.json").write_bytes(b"[{not json")
    return bucket


@pytest.mark.parametrize("transport", ["local", "http"])
async def test_bad_documents_are_format_errors(bad_bucket: Path, transport: str) -> None:
    """Malformed JSON and schema violations raise CatalogFormatError naming the path."""
    async with CatalogServer(bad_bucket) as server:
        source: CatalogSource = (
            LocalBucket(bad_bucket) if transport == "local" else HttpBucket(server.url)
        )
        async with source:
            with pytest.raises(CatalogFormatError) as info:
                await source.articles(MID, VID, "CAT001")
            assert info.value.path == ARTICLES
            assert "price" in str(info.value)
            with pytest.raises(CatalogFormatError) as info:
                await source.manufacturers()
            assert info.value.path == "manufacturers.json"


async def test_bad_document_in_batch_fails_only_its_item(bad_bucket: Path) -> None:
    """Through the batch endpoint an off-contract document is an error for its category only."""
    async with CatalogServer(bad_bucket) as server, HttpBucket(server.url) as source:
        await source.index()
        result = await source.read_batch([ARTICLES, ARTICLES.replace("CAT001", "CAT002")])
    bad = resolved(result[ARTICLES])
    good = resolved(result[ARTICLES.replace("CAT001", "CAT002")])
    assert isinstance(bad, CatalogFormatError)
    assert bad.path == ARTICLES
    assert isinstance(good, tuple)


async def test_oversized_body_with_content_length(catalog_server: CatalogServer) -> None:
    """A Content-Length over max_body_bytes is refused before the body is read."""
    async with HttpBucket(catalog_server.url, max_body_bytes=16) as source:
        with pytest.raises(CatalogFormatError, match="cap"):
            await source.models(MID)


async def test_oversized_chunked_body() -> None:
    """A chunked body with no Content-Length is cut off once it passes max_body_bytes."""

    async def endless(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.content_type = "application/json"
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for _ in range(64):
            await resp.write(b" " * 1024)
        await resp.write_eof()
        return resp

    async with tiny_server(endless) as url, HttpBucket(url, max_body_bytes=4096) as source:
        with pytest.raises(CatalogFormatError, match="cap") as info:
            await source.index()
    assert info.value.path == "index.json"


async def test_oversized_local_file(sample_dir: Path) -> None:
    """LocalBucket applies the same cap to files."""
    async with LocalBucket(sample_dir, max_body_bytes=16) as source:
        with pytest.raises(CatalogFormatError, match="cap"):
            await source.models(MID)


HOSTILE_IDS: list[Any] = [
    pytest.param("../..", id="dotdot"),
    pytest.param("%2e%2e", id="encoded-dotdot"),
    pytest.param("/", id="slash"),
    pytest.param("a/b", id="a-slash-b"),
    pytest.param("117\x00", id="nul"),
    pytest.param("A" * 10_240, id="10kB"),
    pytest.param("A" * 65, id="65-chars"),
    pytest.param("\uff11\uff11\uff17", id="fullwidth-digits"),
    pytest.param("\u0421\u0410T001", id="cyrillic-lookalike"),
    pytest.param("117\n", id="trailing-newline"),
    pytest.param("", id="empty"),
    pytest.param(117, id="int"),
    pytest.param(None, id="none"),
    pytest.param(b"117", id="bytes"),
]


def calls_with(bad: object) -> list[Callable[[CatalogSource], Awaitable[object]]]:
    """Every source method, with ``bad`` in each id position in turn."""
    b: Any = bad
    return [
        lambda s: s.models(b),
        lambda s: s.categories(b, VID),
        lambda s: s.categories(MID, b),
        lambda s: s.articles(b, VID, "CAT001"),
        lambda s: s.articles(MID, b, "CAT001"),
        lambda s: s.articles(MID, VID, b),
    ]


async def assert_all_refused(sources: dict[str, CatalogSource], bad: object) -> None:
    for source in sources.values():
        for call in calls_with(bad):
            with pytest.raises(InvalidIdentifier):
                await call(source)


@pytest.mark.parametrize("bad", HOSTILE_IDS)
async def test_hostile_ids_never_reach_the_server(
    sources: dict[str, CatalogSource], catalog_server: CatalogServer, bad: object
) -> None:
    """Every method refuses a hostile id with InvalidIdentifier before any request."""
    await assert_all_refused(sources, bad)
    assert catalog_server.stats.total == 0


@settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    bad=st.one_of(
        st.text(max_size=80).filter(lambda t: CONTRACT_ID.fullmatch(t) is None),
        st.integers(),
        st.none(),
        st.binary(max_size=8),
        st.lists(st.text(max_size=4), max_size=2),
    )
)
async def test_any_non_id_is_refused(
    sources: dict[str, CatalogSource], catalog_server: CatalogServer, bad: object
) -> None:
    """Property: whatever is not a contract id is refused everywhere without a request."""
    await assert_all_refused(sources, bad)
    assert catalog_server.stats.total == 0


async def existing_categories(source: CatalogSource, count: int) -> list[str]:
    categories = await source.categories(MID, VID)
    assert len(categories) >= count, "the sample needs enough categories for this variant"
    return [category.id for category in categories[:count]]


def resolved(item: BatchItem) -> tuple[Any, ...] | CatalogError:
    """A batch item as the manager sees it once validated: the document or the error."""
    if isinstance(item, Deferred):
        try:
            value: tuple[Any, ...] = item.resolve()
        except CatalogError as exc:
            return exc
        return value
    return item


def same_results(got: Mapping[str, BatchItem], expected: Mapping[str, BatchItem]) -> None:
    """Equal documents, and errors of the same type for the same path."""
    assert list(got) == list(expected)
    for path, deferred_want in expected.items():
        want = resolved(deferred_want)
        item = resolved(got[path])
        if isinstance(want, CatalogError):
            assert isinstance(item, CatalogError)
            assert type(item) is type(want)
            assert item.path == want.path
        else:
            assert item == want


def list_paths(mid: str, vids: Sequence[str], cids: Sequence[str]) -> list[str]:
    """Article lists of every (variant, category), then the variants' category lists."""
    return [
        *(
            f"manufacturers/{mid}/variants/{v}/categories/{c}/articles.json"
            for v in vids
            for c in cids
        ),
        *(f"manufacturers/{mid}/variants/{v}/categories.json" for v in vids),
    ]


async def test_batch_is_one_request_per_kind_on_catalog_server(
    sample_dir: Path, catalog_server: CatalogServer
) -> None:
    """Against CatalogServer, two variants' article and category lists cost two requests."""
    async with LocalBucket(sample_dir) as local, HttpBucket(catalog_server.url) as http:
        cids = [*await existing_categories(local, 4), "MISSING"]
        paths = list_paths(MID, [VID, "127446"], cids)
        expected = await local.read_batch(paths)
        await http.index()  # the first response tells the client that batch exists
        assert http.batch_supported is True
        catalog_server.stats.reset()
        result = await http.read_batch(paths)
    assert catalog_server.stats.paths == {
        f"/_batch/manufacturers/{MID}/articles": 1,
        f"/_batch/manufacturers/{MID}/categories": 1,
    }
    missing = f"manufacturers/{MID}/variants/{VID}/categories/MISSING/articles.json"
    assert isinstance(result[missing], NotFound)
    assert all(isinstance(resolved(result[p]), tuple) for p in paths if "MISSING" not in p)
    same_results(result, expected)


async def test_batch_falls_back_to_singles_on_static_server(
    plain_bucket: Path, static_server: Callable[[Path], str]
) -> None:
    """Against a plain static server the batch is read one document at a time, same results."""
    async with (
        LocalBucket(plain_bucket) as local,
        HttpBucket(static_server(plain_bucket)) as http,
    ):
        manufacturers = await local.manufacturers()
        maker = manufacturers[0].id
        variant = (await local.models(maker))[0].variants[0].id
        cids = [c.id for c in (await local.categories(maker, variant))[:4]] + ["MISSING"]
        paths = list_paths(maker, [variant], cids)
        expected = await local.read_batch(paths)
        await http.index()
        assert http.batch_supported is False
        result = await http.read_batch(paths)
    assert isinstance(result[paths[4]], NotFound)
    same_results(result, expected)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("index.json", id="not-a-list"),
        pytest.param(f"manufacturers/{MID}/models.json", id="models"),
        pytest.param(f"manufacturers/{MID}/variants/{VID}/categories/../../x.json", id="traversal"),
        pytest.param(f"/manufacturers/{MID}/variants/{VID}/categories.json", id="absolute"),
        pytest.param(f"manufacturers/{MID}/variants/{VID}/categories/%41/articles.json", id="pct"),
        pytest.param(f"manufacturers/{MID}/variants/{'V' * 65}/categories.json", id="long-id"),
    ],
)
async def test_batch_refuses_paths_off_the_contract(
    sources: dict[str, CatalogSource], catalog_server: CatalogServer, path: str
) -> None:
    """A batch names category and article lists only; anything else is refused up front."""
    await sources["http"].index()  # with the batch endpoint known, too
    catalog_server.stats.reset()
    good = f"manufacturers/{MID}/variants/{VID}/categories.json"
    for source in sources.values():
        with pytest.raises(InputError):
            await source.read_batch([good, path])
    assert catalog_server.stats.total == 0


@pytest.mark.parametrize("kind", ["local", "http"])
async def test_closed_source_refuses_reuse(
    sample_dir: Path, catalog_server: CatalogServer, kind: str
) -> None:
    """After close, calls and re-entering raise UsageError."""
    source: CatalogSource = (
        LocalBucket(sample_dir) if kind == "local" else HttpBucket(catalog_server.url)
    )
    async with source:
        await source.index()
    with pytest.raises(UsageError):
        await source.index()
    with pytest.raises(UsageError):
        async with source:
            pass


async def test_async_with_closes_the_session(catalog_server: CatalogServer) -> None:
    """Leaving ``async with`` closes the aiohttp session: no ResourceWarning when collected."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with HttpBucket(catalog_server.url) as source:
            await source.index()
        del source
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_sample_path_is_inside_the_package() -> None:
    """The embedded sample ships with the package and holds the contract's index."""
    path = sample_catalog_path()
    assert path.name == "sample_catalog"
    assert (path / "index.json").is_file()


async def test_fifo_in_local_bucket_is_refused(exported_bucket: Path) -> None:
    """A FIFO (not a regular file) in a local bucket is a format error, never a hang."""
    import os

    target = exported_bucket / f"manufacturers/{MID}/models.json"
    target.unlink()
    os.mkfifo(target)
    async with LocalBucket(exported_bucket) as source:
        with anyio.fail_after(5), pytest.raises(CatalogFormatError, match="not a regular file"):
            await source.models(MID)


def test_fifo_in_local_bucket_never_hangs_the_cli(plain_bucket: Path) -> None:
    """`partsagent report` and `catalog pack` on a bucket holding a FIFO end, with exit 1 or 0."""
    import os
    import subprocess
    import sys

    cat = plain_bucket / f"manufacturers/{MID}/variants/{VID}/categories/CAT001/articles.json"
    cat.unlink()
    os.mkfifo(cat)
    report = subprocess.run(
        [sys.executable, "-m", "partsagent", "report", "--catalog", str(plain_bucket),
         "--vehicle", "Vauxhall Astra 2018", "--damage", "Front Bumper Cover:severe"],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert b"Traceback" not in report.stderr
    packed = subprocess.run(
        [sys.executable, "-m", "partsagent", "catalog", "pack", str(plain_bucket)],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert packed.returncode == 0, packed.stderr
