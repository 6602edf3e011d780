"""Retry-After is honoured up to its own cap (60 s), within the lookup's deadline."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import stamina.instrumentation
from aiohttp import web
from aiohttp.test_utils import TestServer

from partsagent import CatalogUnavailable
from partsagent.catalog import BucketManager, HttpBucket


@pytest.fixture
def scheduled_waits() -> Iterator[list[float]]:
    """The waits stamina schedules between attempts, as its retry hooks see them."""
    waits: list[float] = []
    before = stamina.instrumentation.get_on_retry_hooks()
    stamina.instrumentation.set_on_retry_hooks([lambda details: waits.append(details.wait_for)])
    try:
        yield waits
    finally:
        stamina.instrumentation.set_on_retry_hooks(before)


SEEN = web.AppKey("seen", list)


def busy_then_fine(sample_dir: Path, retry_after: str, busy: int = 1) -> web.Application:
    """A catalog that answers 503 with ``retry_after`` ``busy`` times, then the document."""
    seen: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(request.path)
        if len(seen) <= busy:
            return web.Response(status=503, headers={"Retry-After": retry_after})
        return web.Response(
            body=(sample_dir / request.match_info["tail"]).read_bytes(),
            content_type="application/json",
        )

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    app[SEEN] = seen
    return app


@pytest.fixture
async def server(request: pytest.FixtureRequest, sample_dir: Path) -> AsyncIterator[TestServer]:
    server = TestServer(busy_then_fine(sample_dir, request.param), host="127.0.0.1")
    async with server:
        yield server


def asked(server: TestServer) -> list[str]:
    """The paths the server was asked for, but index.json (read alongside, for the layout)."""
    return [path for path in server.app[SEEN] if path != "/index.json"]


@pytest.mark.parametrize("server", ["0.3"], indirect=True)
async def test_retry_after_above_backoff_max_is_waited_for(
    server: TestServer, scheduled_waits: list[float]
) -> None:
    """A server asking for 0.3 s gets 0.3 s, though backoff_max is 0.01 s."""
    url = str(server.make_url("/"))
    async with BucketManager(HttpBucket(url), backoff_initial=0.001, backoff_max=0.01) as m:
        assert await m.get_manufacturers()
    assert scheduled_waits == [0.3]
    assert len(asked(server)) == 2


@pytest.mark.parametrize("server", ["30", "3600"], indirect=True)
async def test_retry_after_beyond_the_deadline_fails_at_once(
    server: TestServer, scheduled_waits: list[float]
) -> None:
    """Asked to wait past the lookup's deadline, the manager gives up now, saying when to retry."""
    url = str(server.make_url("/"))
    async with BucketManager(HttpBucket(url), deadline=5.0) as m:
        with pytest.raises(CatalogUnavailable, match="Retry-After") as caught:
            await m.get_manufacturers()
    assert scheduled_waits == []
    assert len(asked(server)) == 1
    assert caught.value.retry_after in (30.0, 60.0)  # a longer wish is capped at 60 s
