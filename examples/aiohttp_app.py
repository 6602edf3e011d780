"""An aiohttp.web service around one shared PartsAgent.

Run it with ``python examples/aiohttp_app.py`` (set ``PARTSAGENT_CATALOG`` to a
bucket directory or URL; the embedded sample catalog otherwise).
``POST /reports`` takes ``{"vehicle": {...}, "damage": [...] or "text"}``
and answers the PartsReport as JSON; library errors become the same
``{"error": {"type", "message"}}`` bodies as in the FastAPI example.
"""

from __future__ import annotations

import math
import os
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from partsagent import CatalogUnavailable, InputError, NotFound, PartsAgent, PartsAgentError

__all__ = ["AGENT", "create_app", "main"]

AGENT: web.AppKey[PartsAgent] = web.AppKey("partsagent", PartsAgent)


def _error(status: int, exc: BaseException, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(
        {"error": {"type": type(exc).__name__, "message": str(exc)}},
        status=status,
        headers=headers,
    )


def _status(exc: PartsAgentError) -> tuple[int, dict[str, str] | None]:
    if isinstance(exc, InputError):
        return 422, None
    if isinstance(exc, NotFound):
        return 404, None
    if isinstance(exc, CatalogUnavailable):
        retry = exc.retry_after
        return 503, {"Retry-After": str(max(1, math.ceil(retry)) if retry is not None else 1)}
    return 500, None


async def post_report(request: web.Request) -> web.Response:
    """A damage report in, a PartsReport out; the agent validates the vehicle and damage."""
    try:
        body: Any = await request.json()
    except ValueError:
        return _error(400, InputError("the request body is not JSON"))
    if not isinstance(body, dict) or "vehicle" not in body or "damage" not in body:
        return _error(422, InputError('give {"vehicle": {...}, "damage": [...] or "text"}'))
    try:
        report = await request.app[AGENT].process_damage_report(body["vehicle"], body["damage"])
    except PartsAgentError as exc:
        status, headers = _status(exc)
        return _error(status, exc, headers)
    return web.Response(text=report.model_dump_json(), content_type="application/json")


def create_app(catalog: str | None = None) -> web.Application:
    """The app; ``catalog`` overrides ``PARTSAGENT_CATALOG``."""

    async def agent_context(app: web.Application) -> AsyncIterator[None]:
        # One agent per process, closed when the app shuts down.
        async with PartsAgent(catalog or os.environ.get("PARTSAGENT_CATALOG") or None) as agent:
            app[AGENT] = agent
            yield

    app = web.Application()
    app.cleanup_ctx.append(agent_context)
    app.router.add_post("/reports", post_report)
    return app


def main() -> None:
    web.run_app(create_app(), host="127.0.0.1", port=8080)


if __name__ == "__main__":
    main()
