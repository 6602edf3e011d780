"""Packed documents: derived from the standard layout, advertised by version, used and refused."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from partsagent import NotFound, PartsAgent
from partsagent._catalog import documents as doc
from partsagent._catalog.documents import Deferred
from partsagent._catalog.packs import PACKS_DIR, RecentPacks, expand_pack, pack_bucket, pack_path
from partsagent._cli.main import main
from partsagent.catalog import BucketManager, HttpBucket, LocalBucket
from partsagent.testing import CatalogServer, generate_bucket

MID = "117"
ASTRA = "40103"
VEHICLE = {"make": "Vauxhall", "model": "Astra", "year": 2018}
DAMAGE = [
    {"component": "Front Bumper Cover", "severity": "severe"},
    {"component": "Headlight Assembly", "severity": "moderate"},
    {"component": "Hood", "severity": "minor"},
]


def pack_version(bucket: Path) -> str:
    """The pack version the bucket's index.json advertises."""
    version: str = orjson.loads((bucket / "index.json").read_bytes())["pack"]["version"]
    return version


def astra_pack(bucket: Path) -> dict[str, Any]:
    """What the Astra's pack must hold: its manufacturer, model and variants."""
    models = orjson.loads((bucket / doc.models_path(MID)).read_bytes())
    (astra,) = [m for m in models if m["id"] == ASTRA]
    return {"mid": MID, "model_id": ASTRA, "variants": {v["id"] for v in astra["variants"]}}


def unpacked_copy(bucket: Path, out: Path) -> Path:
    """The bucket without its packs and without the index entry naming them."""
    shutil.copytree(bucket, out, ignore=shutil.ignore_patterns(PACKS_DIR))
    index = orjson.loads((out / "index.json").read_bytes())
    del index["pack"]
    (out / "index.json").write_bytes(orjson.dumps(index, option=orjson.OPT_INDENT_2) + b"\n")
    return out


def priced(report: Any) -> Any:
    """What a report says, without how long it took to say it."""
    return report.model_dump(mode="json", exclude={"performance"})


async def test_a_pack_holds_exactly_the_standard_lists(exported_bucket: Path) -> None:
    """Every list a pack expands to equals the standard document; a list it lacks is a 404 too."""
    (exported_bucket / doc.articles_path(MID, "127446", "CAT003")).unlink()
    pack_bucket(exported_bucket)
    version = pack_version(exported_bucket)
    path = pack_path(version, MID, ASTRA)
    items = expand_pack(
        (exported_bucket / path).read_bytes(), path, version, **astra_pack(exported_bucket)
    )
    async with LocalBucket(exported_bucket) as standard:
        for rel, item in items.items():
            mid, vid, cid = doc.list_path_ids(rel)
            if isinstance(item, NotFound):
                assert not (exported_bucket / rel).exists(), rel
                continue
            assert isinstance(item, Deferred)
            expected = await (
                standard.categories(mid, vid) if cid is None else standard.articles(mid, vid, cid)
            )
            assert item.resolve() == expected, rel
    missing = [rel for rel, item in items.items() if isinstance(item, NotFound)]
    assert doc.articles_path(MID, "127446", "CAT003") in missing


def test_catalog_pack_writes_what_generate_writes(tmp_path: Path) -> None:
    """`catalog pack` on a bucket generated without packs gives the packed bucket, byte for byte."""
    packed = tmp_path / "packed"
    plain = tmp_path / "plain"
    generate_bucket(packed, scale=1, seed=3)
    generate_bucket(plain, scale=1, seed=3, pack=False)
    assert not (plain / PACKS_DIR).exists()
    assert main(["catalog", "pack", str(plain)]) == 0
    files = sorted(p.relative_to(packed) for p in packed.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(plain) for p in plain.rglob("*") if p.is_file())
    assert all((packed / f).read_bytes() == (plain / f).read_bytes() for f in files)


def test_catalog_pack_refuses_a_directory_without_a_bucket(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`catalog pack` on a directory that holds no bucket exits 2 with one line, writing nothing."""
    assert main(["catalog", "pack", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("partsagent: error:")
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


async def test_static_server_serves_a_report_from_one_pack(
    exported_bucket: Path, tmp_path: Path, static_server: Callable[[Path], str]
) -> None:
    """Over plain http.server a cold report reads one pack, no list, and prices as without packs."""
    async with HttpBucket(static_server(exported_bucket)) as source, PartsAgent(source) as agent:
        assert await source.pack_version() is not None  # as a first report's lists would learn
        report = await agent.process_damage_report(VEHICLE, DAMAGE)
        await agent.catalog.drain()
        stats = agent.catalog.get_cache_stats()["by_kind"]
        assert agent.catalog.source.batch_supported is True
        again = await agent.process_damage_report(VEHICLE, [{"component": "left wing"}])
    assert (stats["categories"]["requests"], stats["articles"]["requests"]) == (1, 0)
    assert again.performance["catalog_requests"] == 0
    plain_copy = unpacked_copy(exported_bucket, tmp_path / "plain")
    async with PartsAgent(plain_copy) as plain:
        assert plain.catalog.source.batch_supported is False
        assert priced(await plain.process_damage_report(VEHICLE, DAMAGE)) == priced(report)


async def test_project_server_counts_one_pack_request(exported_bucket: Path) -> None:
    """The project's server serves packs too; a cold report asks for one and for no list."""
    async with (
        CatalogServer(exported_bucket) as server,
        HttpBucket(server.url) as source,
        PartsAgent(source) as agent,
    ):
        assert await source.pack_version() is not None
        await agent.process_damage_report(VEHICLE, DAMAGE)
        await agent.catalog.drain()
        paths = server.stats.snapshot()["paths"]
    packs = [p for p in paths if p.startswith(f"/{PACKS_DIR}/")]
    assert packs == [f"/{pack_path(pack_version(exported_bucket), MID, ASTRA)}"]
    assert not [p for p in paths if p.endswith("articles.json") or "_batch" in p]


@pytest.mark.parametrize(
    "make_stale",
    [
        pytest.param("new_version_no_packs", id="index-names-packs-that-are-missing"),
        pytest.param("pack_of_old_version", id="pack-file-of-another-version"),
    ],
)
async def test_a_stale_pack_is_never_mixed_with_fresh_documents(
    exported_bucket: Path, make_stale: str
) -> None:
    """A changed document with an out-of-date pack: the client reads the standard layout."""
    old = pack_version(exported_bucket)
    rel = doc.articles_path(MID, "127445", "CAT001")
    articles = orjson.loads((exported_bucket / rel).read_bytes())
    articles[0]["price"]["amount"] = "1.23"
    (exported_bucket / rel).write_bytes(orjson.dumps(articles))
    index = orjson.loads((exported_bucket / "index.json").read_bytes())
    index["pack"]["version"] = "fresh0000000000"
    (exported_bucket / "index.json").write_bytes(orjson.dumps(index))
    if make_stale == "pack_of_old_version":
        stale = exported_bucket / PACKS_DIR / old
        stale.rename(exported_bucket / PACKS_DIR / "fresh0000000000")
    async with LocalBucket(exported_bucket) as source, BucketManager(source) as manager:
        await manager.get_models_for_manufacturer(MID)
        assert await source.pack_version() == "fresh0000000000"
        results = await manager.get_articles_concurrent([(MID, "127445", "CAT001")])
        assert results[0].value is not None
        assert results[0].value[0].price.amount == Decimal("1.23")
        # The standard layout from now on, until index.json is read again.
        assert manager.source.batch_supported is False


async def test_a_large_pack_never_pushes_out_what_was_read(exported_bucket: Path) -> None:
    """A pack's unasked lists take free room only: at the cap they evict nothing already read."""
    async with (
        LocalBucket(exported_bucket) as source,
        BucketManager(source, max_entries=40) as manager,
    ):
        assert await source.pack_version() is not None
        await manager.get_models_for_manufacturer(MID)
        read = await manager.get_articles_for_category("36", "141501", "CAT001")
        await manager.get_categories_concurrent([(MID, "127445")])
        await manager.drain()
        stats = manager.get_cache_stats()
        assert await manager.get_articles_for_category("36", "141501", "CAT001") is read
    by_kind = stats["by_kind"]
    assert by_kind["categories"]["requests"] == 1
    assert stats["cache_size"] == 40
    assert sum(kind["evictions"] for kind in by_kind.values()) == 0


async def test_pack_extras_never_replace_a_validated_document(
    exported_bucket: Path, static_server: Callable[[Path], str]
) -> None:
    """A list already cached (and validated) stays the same object when its pack arrives later."""
    source = HttpBucket(static_server(exported_bucket))
    async with BucketManager(source) as manager:
        assert await source.pack_version() is not None
        await manager.get_models_for_manufacturer(MID)
        first = await manager.get_articles_for_category(MID, "127446", "CAT003")
        await manager.get_categories_concurrent([(MID, "127445")])
        await manager.drain()
        assert await manager.get_articles_for_category(MID, "127446", "CAT003") is first
        assert manager.get_cache_stats()["by_kind"]["articles"]["requests"] == 1


async def read_packs_for_three_reports(bucket: Path, kept_bytes: int) -> int:
    """Pack requests the server saw for three reports on one car, through a 5-entry cache."""
    async with CatalogServer(bucket) as server:
        source = HttpBucket(server.url)
        source.recent_pack_bytes = kept_bytes
        async with (
            BucketManager(source, max_entries=5) as manager,
            PartsAgent(manager, max_reports=1) as agent,
        ):
            assert await source.pack_version() is not None
            for damage in ("bonnet dented", "rear bumper cracked", "left headlamp smashed"):
                await agent.process_damage_report(VEHICLE, damage)
                await agent.catalog.drain()
        paths = server.stats.snapshot()["paths"]
    return sum(n for p, n in paths.items() if p.startswith(f"/{PACKS_DIR}/"))


async def test_a_small_cache_reads_a_model_pack_once_while_it_is_kept(
    exported_bucket: Path,
) -> None:
    """With a catalog cache too small for a model's lists, its pack is read once, not per report."""
    assert await read_packs_for_three_reports(exported_bucket, HttpBucket.recent_pack_bytes) == 1
    assert await read_packs_for_three_reports(exported_bucket, 0) > 1


def test_kept_packs_hand_out_new_errors_and_unvalidated_lists(exported_bucket: Path) -> None:
    """A kept pack gives new error objects each time (a re-raised one grows its traceback)."""
    version = pack_version(exported_bucket)
    path = pack_path(version, MID, ASTRA)
    kept = RecentPacks(1 << 24)
    data = (exported_bucket / path).read_bytes()
    kept.put(path, expand_pack(data, path, version, **astra_pack(exported_bucket)))
    first, second = kept.get(path), kept.get(path)
    assert first is not None
    assert second is not None
    missing = [p for p, item in first.items() if isinstance(item, NotFound)]
    assert missing
    assert all(first[p] is not second[p] for p in missing)
    lists = [item for item in first.values() if isinstance(item, Deferred)]
    assert len({id(d) for d in lists}) < len(lists)  # lists shared by variants stay shared
    assert not any(d._value is not None for d in lists)  # nothing validated is kept
