"""A pack is checked before use, and a bad or lost one never sinks a model's reports."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import orjson
import pytest
from aiohttp import web
from structlog.testing import capture_logs

from partsagent import PartsAgent
from partsagent._catalog.packs import PACKS_DIR, pack_path
from partsagent._cli.main import main
from partsagent.catalog import BucketManager, HttpBucket
from partsagent.testing import CatalogServer

MID, ASTRA, CORSA = "117", "40103", "40104"
FORD, FOCUS = "36", "41501"
VEHICLE = {"make": "Vauxhall", "model": "Astra", "year": 2018}
DAMAGE = "front bumper smashed, headlight cracked, bonnet scratched"


def version_of(bucket: Path) -> str:
    version: str = orjson.loads((bucket / "index.json").read_bytes())["pack"]["version"]
    return version


def pack_file(bucket: Path, mid: str, model: str) -> Path:
    return bucket / pack_path(version_of(bucket), mid, model)


def priced(report: Any) -> Any:
    return report.model_dump(mode="json", exclude={"performance"})


async def plain_report(bucket: Path, tmp_path: Path) -> Any:
    """The report from the bucket's standard documents only (no packs)."""
    plain = tmp_path / "plain"
    shutil.copytree(bucket, plain, ignore=shutil.ignore_patterns(PACKS_DIR))
    index = orjson.loads((plain / "index.json").read_bytes())
    del index["pack"]
    (plain / "index.json").write_bytes(orjson.dumps(index))
    async with PartsAgent(plain) as agent:
        return await agent.process_damage_report(VEHICLE, DAMAGE)


def forge_focus(bucket: Path) -> None:
    """The Focus's pack, byte for byte, where the Astra's belongs."""
    shutil.copy(pack_file(bucket, FORD, FOCUS), pack_file(bucket, MID, ASTRA))


def forge_corsa_as_astra(bucket: Path) -> None:
    """The Corsa's pack relabelled as the Astra's: its variants are not the Astra's."""
    pack = orjson.loads(pack_file(bucket, MID, CORSA).read_bytes())
    pack["model_id"] = ASTRA
    pack_file(bucket, MID, ASTRA).write_bytes(orjson.dumps(pack))


def index_minus_one(bucket: Path) -> None:
    """Every article list of the Astra's pack points at index -1 (the last list)."""
    path = pack_file(bucket, MID, ASTRA)
    pack = orjson.loads(path.read_bytes())
    for entry in pack["variants"].values():
        entry["articles"] = dict.fromkeys(entry["articles"], -1)
    path.write_bytes(orjson.dumps(pack))


def index_past_the_end(bucket: Path) -> None:
    path = pack_file(bucket, MID, ASTRA)
    pack = orjson.loads(path.read_bytes())
    first = next(iter(pack["variants"].values()))
    first["articles"][next(iter(first["articles"]))] = len(pack["lists"])
    path.write_bytes(orjson.dumps(pack))


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(forge_focus, id="another-makers-pack"),
        pytest.param(forge_corsa_as_astra, id="another-models-variants"),
        pytest.param(index_minus_one, id="index-minus-one"),
        pytest.param(index_past_the_end, id="index-past-the-end"),
    ],
)
async def test_a_pack_that_is_not_the_one_asked_for_is_refused(
    exported_bucket: Path, tmp_path: Path, forge: Callable[[Path], None]
) -> None:
    """The report equals the one from the standard documents, and the refusal is logged."""
    want = await plain_report(exported_bucket, tmp_path)
    forge(exported_bucket)
    with capture_logs() as logs:
        async with PartsAgent(exported_bucket) as agent:
            got = await agent.process_damage_report(VEHICLE, DAMAGE)
            again = await agent.process_damage_report(VEHICLE, "rear bumper smashed")
    assert priced(got) == priced(want)
    assert again.lines
    refused = [e for e in logs if e["event"] == "partsagent.catalog.pack_refused"]
    assert len(refused) == 1  # remembered: not read (nor refused) again


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"format": "partsagent-pack/1", "lists": [[', id="truncated"),
        pytest.param(b"\x00garbled\xff" * 100, id="garbled"),
    ],
)
async def test_a_broken_pack_costs_requests_not_reports(
    exported_bucket: Path, tmp_path: Path, body: bytes
) -> None:
    """A pack that never parses: after its retries, its documents are read; the report is whole."""
    want = await plain_report(exported_bucket, tmp_path)
    pack_file(exported_bucket, MID, ASTRA).write_bytes(body)
    manager = BucketManager(exported_bucket, backoff_initial=0.001, backoff_max=0.002)
    async with manager, PartsAgent(manager) as agent:
        got = await agent.process_damage_report(VEHICLE, DAMAGE)
    assert priced(got) == priced(want)


@asynccontextmanager
async def losing_index(
    bucket: Path, lose: int, third: asyncio.Event | None = None
) -> AsyncIterator[tuple[str, list[str]]]:
    """A static server on ``bucket`` whose first ``lose`` index.json requests get a 503.

    ``third`` is set when index.json has been asked for three times.
    """
    asked: list[str] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        rel = request.match_info["tail"]
        asked.append(rel)
        if third is not None and asked.count("index.json") == 3:
            third.set()
        if rel == "index.json" and asked.count(rel) <= lose:
            return web.Response(status=503)
        file = bucket / rel
        if not file.is_file():
            return web.Response(status=404)
        return web.Response(body=file.read_bytes(), content_type="application/json")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/", asked
    finally:
        await runner.cleanup()


async def test_a_lost_index_read_is_retried_in_the_background(exported_bucket: Path) -> None:
    """Three lost index.json reads: packs are still found, and a later report reads one pack."""
    async with losing_index(exported_bucket, lose=3) as (url, asked):
        source = HttpBucket(url)
        async with BucketManager(source) as manager, PartsAgent(manager) as agent:
            await agent.process_damage_report(VEHICLE, DAMAGE)
            with anyio.fail_after(10):
                assert await source.pack_version() is not None  # the background retries
            before = len(asked)
            later = await agent.process_damage_report(
                {"make": "Ford", "model": "Focus", "year": 2020}, DAMAGE
            )
            await manager.drain()
            lists = [p for p in asked[before:] if p.endswith(("articles.json", "categories.json"))]
    assert later.lines
    assert asked.count("index.json") == 4
    assert lists == []  # the Focus's lists came in its pack


async def test_the_index_retries_end_when_the_source_closes(exported_bucket: Path) -> None:
    """An index.json that never answers: closing the source cancels the retries."""
    third = asyncio.Event()
    async with losing_index(exported_bucket, lose=10**6, third=third) as (url, asked):
        source = HttpBucket(url)
        async with BucketManager(source) as manager:
            await manager.get_manufacturers()
            with anyio.fail_after(5):
                await third.wait()
        count = asked.count("index.json")
        await asyncio.sleep(0.3)  # longer than the pauses between retries at this point
        assert asked.count("index.json") == count


def edit_by_hand(bucket: Path) -> Path:
    """Change one price of the Astra's bonnet lists without packing again; returns the file."""
    rel = f"manufacturers/{MID}/variants/127445/categories/CAT001/articles.json"
    articles = orjson.loads((bucket / rel).read_bytes())
    articles[0]["price"]["amount"] = "1.23"
    (bucket / rel).write_bytes(orjson.dumps(articles))
    return bucket / rel


def test_catalog_pack_check_says_when_packs_are_stale(
    exported_bucket: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`catalog pack --check`: 0 while packs match, 1 after a hand edit, 0 once packed again."""
    assert main(["catalog", "pack", "--check", str(exported_bucket)]) == 0
    edit_by_hand(exported_bucket)
    assert main(["catalog", "pack", "--check", str(exported_bucket)]) == 1
    assert "stale packs" in capsys.readouterr().out
    assert main(["catalog", "pack", str(exported_bucket)]) == 0
    assert main(["catalog", "pack", "--check", str(exported_bucket)]) == 0


async def test_the_server_offers_no_stale_packs(exported_bucket: Path) -> None:
    """A hand-edited bucket served: no pack is offered or served, the edited price is used."""
    edit_by_hand(exported_bucket)
    with capture_logs() as logs:
        async with CatalogServer(exported_bucket) as server, HttpBucket(server.url) as source:
            assert await source.pack_version() is None
            async with BucketManager(source) as manager:
                got = await manager.get_articles_for_category(MID, "127445", "CAT001")
            paths = server.stats.snapshot()["paths"]
    assert str(got[0].price.amount) == "1.23"
    assert not [p for p in paths if p.startswith(f"/{PACKS_DIR}/")]
    assert [e for e in logs if e["event"] == "catalog.serve.stale_packs"]


async def test_a_document_that_differs_from_its_kept_pack_makes_it_stale(
    exported_bucket: Path,
) -> None:
    """Read beside a kept pack, an edited document is used, and the pack's version is dropped."""
    edit_by_hand(exported_bucket)
    with capture_logs() as logs:
        # Two entries: the models and the categories; no room for the pack's other lists.
        async with BucketManager(exported_bucket, max_entries=2) as manager:
            await manager.get_models_for_manufacturer(MID)
            assert await manager.source.pack_version() is not None  # type: ignore[attr-defined]
            await manager.get_categories_concurrent([(MID, "127445")])  # reads the pack
            got = await manager.get_articles_for_category(MID, "127445", "CAT001")
            supported = manager.source.batch_supported
    assert str(got[0].price.amount) == "1.23"
    assert supported is False
    assert [e for e in logs if e["event"] == "partsagent.catalog.pack_stale"]
