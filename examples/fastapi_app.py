"""A FastAPI service around one shared PartsAgent.

Its dependencies are the ``examples`` extra: ``pip install "partsagent[examples]"``.
Run it with::

    PARTSAGENT_CATALOG=http://127.0.0.1:8765/ uvicorn examples.fastapi_app:app

Configuration comes from the environment, read when the app starts:

* ``PARTSAGENT_CATALOG``: a bucket directory or an http(s) base URL (default:
  the embedded sample catalog);
* ``PARTSAGENT_PLANNER``: ``rules`` (default) or ``llm`` (needs ``OPENAI_API_KEY``);
* ``PARTSAGENT_REDIS_URL``: a Redis shared by every worker: the catalog cache, one
  limit of requests in flight at the catalog, one fetch of a document every worker
  misses (needs the ``redis`` extra), and ``PARTSAGENT_REDIS_NAMESPACE`` (default: one
  derived from the catalog) to keep deployments that share one Redis apart;
* ``PROMETHEUS_MULTIPROC_DIR``: set it (to an empty directory) before starting
  several workers, and ``/metrics`` merges them all.

Endpoints: ``POST /reports`` (a damage report in, the estimate out as a PartsReport:
parts, operations, totals with tax; its fields are in the OpenAPI schema at
``/docs``), ``GET /metrics`` (Prometheus text format), ``GET /stats`` (this
worker's latency summary and cache figures, JSON) and ``GET /healthz``; every
answer names its worker's pid in ``X-Worker``. Library errors become HTTP
statuses with one JSON body shape, ``{"error": {"type": ..., "message": ...}}``:
bad input 422 (with ``candidates`` when the vehicle is unsettled), an unknown
document 404, an unavailable catalog 503 with Retry-After, anything else 500.
"""

from __future__ import annotations

import math
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from pydantic import BaseModel, ConfigDict, Field

from partsagent import (
    CatalogUnavailable,
    DamagedPart,
    InputError,
    NotFound,
    PartsAgent,
    PartsAgentError,
    PartsReport,
    UnresolvedVehicle,
    Vehicle,
)
from partsagent.catalog import BucketManager
from partsagent.metrics import SummaryAggregator, install_aggregator, uninstall_aggregator
from partsagent.prometheus import PartsAgentCollector

__all__ = ["ReportRequest", "app", "create_app"]

#: Seconds a client is told to wait after a 503 when the catalog gave no Retry-After.
DEFAULT_RETRY_AFTER = 1


class ReportRequest(BaseModel):
    """The body of ``POST /reports``: a vehicle and its damage (parts, or free text)."""

    model_config = ConfigDict(extra="forbid")

    vehicle: Vehicle
    damage: list[DamagedPart] | str = Field(
        description="damaged parts with severities, or a free-text description"
    )
    planner: Literal["rules", "llm"] | None = None
    market: Literal["GB", "UK", "US"] | None = Field(
        default=None, description='the market: "GB" (or "UK", the same) or "US"'
    )


def _error(
    status: int, exc_type: str, message: str, *, extra: dict[str, Any] | None = None, **headers: str
) -> JSONResponse:
    body = {"type": exc_type, "message": message, **(extra or {})}
    return JSONResponse({"error": body}, status_code=status, headers=headers)


async def _input_error(request: Request, exc: Exception) -> JSONResponse:
    extra = None
    if isinstance(exc, UnresolvedVehicle):
        # Best first; a client retries with one candidate's make and model (and the year).
        extra = {"candidates": [c.as_dict() for c in exc.candidates]}
    return _error(422, type(exc).__name__, str(exc), extra=extra)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return _error(404, type(exc).__name__, str(exc))


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    retry = getattr(exc, "retry_after", None)
    seconds = max(1, math.ceil(retry)) if retry is not None else DEFAULT_RETRY_AFTER
    return _error(503, type(exc).__name__, str(exc), **{"Retry-After": str(seconds)})


async def _other(request: Request, exc: Exception) -> JSONResponse:
    return _error(500, type(exc).__name__, str(exc))


async def _bad_body(request: Request, exc: Exception) -> JSONResponse:
    """One readable message for the first problem, instead of FastAPI's list of dicts."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    if not errors:
        return _error(422, "InputError", "the request body is not a valid damage report")
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    message = str(first.get("msg", "invalid value"))
    return _error(422, "InputError", f"{where}: {message}" if where else message)


def _metrics_registry(aggregator: SummaryAggregator) -> CollectorRegistry:
    """This worker's metrics, or every worker's in prometheus-client's multiprocess mode."""
    registry = CollectorRegistry()
    collector = PartsAgentCollector(aggregator)
    if collector.multiprocess:
        MultiProcessCollector(registry)  # the collector writes the shared files; this reads them
    else:
        registry.register(collector)
    return registry


def _shared_cache() -> dict[str, Any]:
    """``redis=URL`` when PARTSAGENT_REDIS_URL is set: one cache and one catalog limit for all.

    Every worker (and every host) on that Redis shares the catalog cache, the limit of
    requests in flight at the catalog, and one fetch of a document they all miss.
    """
    url = os.environ.get("PARTSAGENT_REDIS_URL")
    if not url:
        return {}
    # Imported only when asked for: the app runs without the 'redis' extra otherwise.
    from partsagent.catalog import redis_cache

    # No namespace: the manager names it after its catalog, so every worker on the same
    # catalog shares it and two catalogs never do.
    namespace = os.environ.get("PARTSAGENT_REDIS_NAMESPACE") or None
    if namespace is None:
        return {"redis": url}
    return {"redis": url, "cache": redis_cache(url, namespace=namespace)}


def create_app(
    catalog: str | None = None,
    *,
    planner: str | None = None,
    catalog_options: Mapping[str, Any] | None = None,
) -> FastAPI:
    """The app; arguments override ``PARTSAGENT_CATALOG`` and ``PARTSAGENT_PLANNER``.

    ``catalog_options`` go to the BucketManager (attempts, breaker, deadline, ...).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        spec = catalog or os.environ.get("PARTSAGENT_CATALOG") or None
        name = planner or os.environ.get("PARTSAGENT_PLANNER") or "rules"
        if name not in ("rules", "llm"):
            raise InputError(f"PARTSAGENT_PLANNER={name!r}: use 'rules' or 'llm'")
        chosen: Literal["rules", "llm"] = "llm" if name == "llm" else "rules"
        aggregator = SummaryAggregator(drop=True)
        install_aggregator(aggregator)
        manager = BucketManager(spec, **_shared_cache(), **dict(catalog_options or {}))
        try:
            # One agent for the whole process: its caches and single-flight are shared.
            async with manager, PartsAgent(manager, planner=chosen) as agent:
                app.state.agent = agent
                app.state.aggregator = aggregator
                app.state.registry = _metrics_registry(aggregator)
                yield
        finally:
            uninstall_aggregator(aggregator)

    app = FastAPI(title="partsagent", lifespan=lifespan)
    # Most specific first: Starlette picks the handler of the nearest class in the MRO.
    app.add_exception_handler(RequestValidationError, _bad_body)
    app.add_exception_handler(InputError, _input_error)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(CatalogUnavailable, _unavailable)
    app.add_exception_handler(PartsAgentError, _other)

    @app.middleware("http")
    async def served_by(request: Request, call_next: Any) -> Any:
        # Which worker answered: with several workers, caches and /stats are per worker.
        response = await call_next(request)
        response.headers["X-Worker"] = str(os.getpid())
        return response

    @app.post("/reports")
    async def post_report(body: ReportRequest, request: Request) -> PartsReport:
        agent: PartsAgent = request.app.state.agent
        return await agent.process_damage_report(
            body.vehicle, body.damage, planner=body.planner, market=body.market
        )

    @app.get("/metrics")
    async def get_metrics(request: Request) -> Response:
        registry: CollectorRegistry = request.app.state.registry
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/stats")
    async def get_stats(request: Request) -> dict[str, Any]:
        agent: PartsAgent = request.app.state.agent
        aggregator: SummaryAggregator = request.app.state.aggregator
        return {
            "summary": aggregator.summary(),
            "catalog_cache": agent.catalog.get_cache_stats(),
            "report_cache": agent.reports.stats(),
        }

    @app.get("/healthz")
    async def healthz(request: Request) -> dict[str, str]:
        # Liveness only: a dead catalog is reported, not a reason to restart the process.
        agent: PartsAgent = request.app.state.agent
        return {"status": "ok", "catalog": agent.catalog.breaker.state}

    return app


app = create_app()
