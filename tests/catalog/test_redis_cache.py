"""The Redis cache and its exact serializer, against a real redis-server on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter

from _redis_server import start_redis_server, stop_redis_server
from partsagent._catalog.redis import ModelSerializer, redis_cache, register_type
from partsagent._exceptions import CatalogFormatError, CatalogUnavailable, UsageError
from partsagent._models import (
    Article,
    Category,
    Manufacturer,
    Model,
    Position,
    Price,
    ProductGroup,
    Variant,
)

ARTICLES = (
    Article(
        id="a1",
        article_no="BP-100",
        brand="Brembo",
        name="Brake pad set",
        product_group_id="pads",
        quality="OE",
        position=Position(axle="front"),
        oe_numbers=("1K0698151",),
        price=Price(amount=Decimal("49.50"), currency="EUR"),
    ),
    Article(
        id="a2",
        article_no="X-2",
        brand="ATE",
        name="Brake pad set",
        quality="aftermarket",
        price=Price(amount=Decimal("0.10"), currency="EUR"),
    ),
)
MANUFACTURERS = (Manufacturer(id="vw", name="Volkswagen", aliases=("VW",)),)
MODELS = (
    Model(
        id="golf7",
        name="Golf VII",
        year_from=2012,
        year_to=2020,
        variants=(
            Variant(
                id="golf7-tsi",
                name="1.4 TSI",
                body="hatchback",
                fuel="petrol",
                engine="CZDA",
                power_kw=92,
                year_from=2013,
            ),
        ),
    ),
)
CATEGORIES = (
    Category(
        id="brakes",
        name="Brake pads",
        group="braking",
        synonyms=("pads",),
        product_groups=(ProductGroup(id="pads", name="Pads"),),
    ),
)
VALUES = [
    pytest.param(ARTICLES, id="articles"),
    pytest.param(MANUFACTURERS, id="manufacturers"),
    pytest.param(MODELS, id="models"),
    pytest.param(CATEGORIES, id="categories"),
    pytest.param((), id="empty-tuple"),
    pytest.param({"__partsagent_not_found__": "articles/vw/golf7/x"}, id="negative-marker"),
    pytest.param([1, "two", None, {"three": 3.5}], id="json-list"),
    pytest.param("text", id="str"),
    pytest.param(-7, id="int"),
]


@pytest.fixture
async def cache(redis_url: str) -> AsyncIterator[Any]:
    """A Redis cache in a namespace of its own, closed after the test."""
    c = redis_cache(redis_url, namespace=f"test-{uuid.uuid4().hex[:8]}")
    try:
        yield c
    finally:
        await c.close()


@pytest.mark.parametrize("value", VALUES)
def test_serializer_round_trips_exactly(value: object) -> None:
    """dumps then loads gives back an equal value of the same type."""
    s = ModelSerializer()
    back = s.loads(s.dumps(value))
    assert back == value
    assert type(back) is type(value)


def test_serializer_keeps_decimal_digits() -> None:
    """Prices come back as Decimal with the same digits, not as floats."""
    s = ModelSerializer()
    back = s.loads(s.dumps(ARTICLES))
    assert [str(a.price.amount) for a in back] == ["49.50", "0.10"]
    assert all(type(a.price.amount) is Decimal for a in back)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"articles\n{not json", id="bad-json"),
        pytest.param(b'articles\n[{"id": "a1"}]', id="off-model"),
        pytest.param(b"bogus\n[]", id="unknown-tag"),
        pytest.param(b"no tag at all", id="no-tag"),
        pytest.param(b"json\n[1,", id="bad-plain-json"),
    ],
)
def test_serializer_rejects_corrupt_payloads(payload: bytes) -> None:
    """A payload that cannot be decoded raises the project's format error."""
    with pytest.raises(CatalogFormatError):
        ModelSerializer().loads(payload)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(("a", "b"), id="tuple-of-str"),
        pytest.param({"price": Decimal("1.00")}, id="decimal-in-dict"),
        pytest.param({1: "int key"}, id="int-key"),
    ],
)
def test_serializer_refuses_values_it_cannot_round_trip(value: object) -> None:
    """Values JSON would change are refused instead of coming back different."""
    with pytest.raises(UsageError):
        ModelSerializer().dumps(value)


def test_register_type_adds_a_new_tag() -> None:
    """A newly registered model type round-trips under its own tag."""
    register_type("test.position", Position)
    s = ModelSerializer()
    payload = s.dumps(Position(axle="rear", side="left"))
    assert payload.startswith(b"test.position\n")
    assert s.loads(payload) == Position(axle="rear", side="left")


KEY_OF = {
    "articles": "articles/vw/golf7/brakes",
    "manufacturers": "manufacturers/",
    "models": "models/vw",
    "categories": "categories/vw/golf7-tsi",
    "negative-marker": "articles/vw/golf7/x",
}


@pytest.mark.redis
@pytest.mark.parametrize("value", VALUES)
async def test_round_trip_through_redis(
    cache: Any, value: object, request: pytest.FixtureRequest
) -> None:
    """Each cached value type comes back from a real Redis equal and of the same type."""
    key = KEY_OF.get(request.node.callspec.id, "other/x")
    await cache.set(key, value)
    back = await cache.get(key)
    assert back == value
    assert type(back) is type(value)


@pytest.mark.redis
async def test_a_document_is_tagged_with_its_keys_kind(cache: Any) -> None:
    """An empty list under an articles key is stored as articles, and only articles come back."""
    await cache.set("articles/vw/golf7/none", ())
    raw = await cache.raw("get", cache.build_key("articles/vw/golf7/none"))
    assert raw == b"articles\n[]"
    assert await cache.get("articles/vw/golf7/none") == ()
    await cache.raw(
        "set", cache.build_key("articles/vw/golf7/brakes"), ModelSerializer().dumps(CATEGORIES)
    )
    with pytest.raises(CatalogFormatError, match="under a 'articles' key"):
        await cache.get("articles/vw/golf7/brakes")


@pytest.mark.redis
async def test_keys_are_namespaced_and_isolated(redis_url: str) -> None:
    """Two namespaces hold different values under the same key, stored as ns:key."""
    a = redis_cache(redis_url, namespace="deploy-a")
    b = redis_cache(redis_url, namespace="deploy-b")
    try:
        await a.set("models/vw", MODELS)
        await b.set("models/vw", ())
        assert await a.get("models/vw") == MODELS
        assert await b.get("models/vw") == ()
        assert await a.raw("exists", "deploy-a:models/vw") == 1
        assert await a.raw("exists", "models/vw") == 0
    finally:
        await a.delete("models/vw")
        await b.delete("models/vw")
        await a.close()
        await b.close()


@pytest.mark.redis
async def test_ttl_is_set_in_redis(cache: Any) -> None:
    """A ttl becomes a Redis expiry on the key; no ttl means no expiry."""
    await cache.set("categories/vw/golf7-tsi", CATEGORIES, ttl=1.0)
    await cache.set("manufacturers/all", MANUFACTURERS, ttl=None)
    pttl = await cache.raw("pttl", cache.build_key("categories/vw/golf7-tsi"))
    assert 0 < pttl <= 1000
    assert await cache.raw("pttl", cache.build_key("manufacturers/all")) == -1


@pytest.mark.redis
async def test_expired_entry_is_gone(cache: Any) -> None:
    """Once Redis expires the key, get returns the default."""
    await cache.set("articles/vw/golf7/brakes", ARTICLES, ttl=60)
    # Expire it now on the server instead of waiting for the clock.
    assert await cache.raw("pexpire", cache.build_key("articles/vw/golf7/brakes"), 0)
    assert await cache.get("articles/vw/golf7/brakes", default="miss") == "miss"


@pytest.mark.redis
async def test_corrupt_payload_raises_format_error_with_kind(cache: Any) -> None:
    """A corrupt entry in Redis raises CatalogFormatError naming the key's kind."""
    await cache.raw("set", cache.build_key("articles/vw/golf7/brakes"), b"articles\n{broken")
    with pytest.raises(CatalogFormatError) as info:
        await cache.get("articles/vw/golf7/brakes")
    assert info.value.path == "redis:articles"


@pytest.mark.redis
async def test_unreachable_redis_raises_catalog_unavailable(redis_url: str) -> None:
    """A Redis that refuses connections raises CatalogUnavailable, not a redis error."""
    proc, url = start_redis_server()
    stop_redis_server(proc)  # a port where nothing listens any more
    c = redis_cache(url, namespace="gone", timeout=1.0)
    try:
        with pytest.raises(CatalogUnavailable) as info:
            await c.get("models/vw")
        assert info.value.path == "redis:models"
    finally:
        await c.close()


_CHILD = """
import asyncio, sys
from pydantic import TypeAdapter
from partsagent._models import Article
from partsagent._catalog.redis import redis_cache

adapter = TypeAdapter(tuple[Article, ...])

async def main(role, url):
    cache = redis_cache(url, namespace="shared-test")
    try:
        if role == "write":
            await cache.set("articles/vw/golf7/brakes", adapter.validate_json(sys.stdin.read()))
        else:
            value = await cache.get("articles/vw/golf7/brakes")
            sys.stdout.write(type(value).__name__ + "\\n" + adapter.dump_json(value).decode())
    finally:
        await cache.close()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


@pytest.mark.redis
def test_two_processes_share_entries(redis_url: str) -> None:
    """Process A writes an entry; a separate process B reads back the same value."""
    adapter = TypeAdapter(tuple[Article, ...])
    subprocess.run(
        [sys.executable, "-c", _CHILD, "write", redis_url],
        input=adapter.dump_json(ARTICLES),
        check=True,
        timeout=60,
    )
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, "read", redis_url],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    type_name, _, payload = out.partition("\n")
    assert type_name == "tuple"
    assert adapter.validate_json(payload) == ARTICLES
