"""FaultProxy: the server's faults in front of any catalog (a static server, a bucket in a store).

The catalog server injects its faults itself; a plain static server cannot.
The proxy forwards every GET to the catalog behind it and applies the same
``ServerOptions`` to the answer (503s, resets, truncated and invalid bodies,
stalls), so that a client can be tried against a static packed bucket as it
is deployed, faults included.
"""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from .._exceptions import UsageError
from .._lifecycle import AsyncResource
from ._faults import STALL_SECONDS, Dropped, FaultDice, ServerOptions, fail_early, send_body
from ._stats import ServerStats

__all__ = ["FaultProxy"]

_DICE: web.AppKey[FaultDice] = web.AppKey("partsagent_proxy_dice", FaultDice)
_UPSTREAM: web.AppKey[str] = web.AppKey("partsagent_proxy_upstream", str)
_SESSION: web.AppKey[aiohttp.ClientSession] = web.AppKey(
    "partsagent_proxy_session", aiohttp.ClientSession
)


async def _forward(request: web.Request) -> web.StreamResponse:
    dice = request.app[_DICE]
    stats = dice.stats
    stats.enter(request.rel_url.raw_path)
    resp: web.StreamResponse | None = None
    try:
        plan = dice.draw()
        if plan.delay_s:
            await asyncio.sleep(plan.delay_s)
        resp = fail_early(request, stats, plan)
        if resp is not None:
            return resp
        if plan.fault == "stall":
            stats.faults["stall"] += 1
            await asyncio.sleep(STALL_SECONDS)  # until the client leaves
            resp = Dropped(status=504)
            return resp
        url = request.app[_UPSTREAM] + request.rel_url.raw_path_qs.lstrip("/")
        async with request.app[_SESSION].get(url, allow_redirects=False) as upstream:
            body = await upstream.read()
            if upstream.status != 200:
                resp = web.Response(
                    body=body, status=upstream.status, content_type=upstream.content_type
                )
                return resp
        resp = await send_body(request, dice, plan, body)
        return resp
    finally:
        stats.in_flight -= 1
        if resp is not None and not isinstance(resp, Dropped):
            stats.statuses[resp.status] += 1


class FaultProxy(AsyncResource):
    """A proxy on 127.0.0.1 in front of ``upstream`` (a base URL), injecting ``options``' faults.

    ``async with FaultProxy(url, ServerOptions.flaky(seed=1)) as proxy:`` then
    read the catalog at ``proxy.url``; ``proxy.options = ...`` changes the faults
    at once, ``proxy.stats`` counts what was asked.
    """

    def __init__(
        self, upstream: str, options: ServerOptions | None = None, *, host: str = "127.0.0.1"
    ) -> None:
        self.upstream = upstream if upstream.endswith("/") else upstream + "/"
        self.host = host
        self.stats = ServerStats()
        self._dice = FaultDice(options or ServerOptions(), self.stats)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._url: str | None = None

    @property
    def options(self) -> ServerOptions:
        return self._dice.options

    @options.setter
    def options(self, value: ServerOptions) -> None:
        self._dice.set_options(value)

    @property
    def url(self) -> str:
        if self._url is None:
            raise UsageError("the FaultProxy is not running; use 'async with FaultProxy(...)'")
        return self._url

    async def start(self) -> None:
        if self._runner is not None:
            raise UsageError("this FaultProxy is already running")
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application()
        app[_DICE] = self._dice
        app[_UPSTREAM] = self.upstream
        app[_SESSION] = self._session
        app.router.add_get("/{tail:.*}", _forward)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self._runner = runner
        self._url = f"http://{self.host}:{runner.addresses[0][1]}/"

    async def aclose(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def _open(self) -> None:
        await self.start()
