"""Fault injection: the options a test sets, and what they do to one request.

Every fault is drawn from one seeded ``random.Random`` before the request's
first await, so that a run with a seed can be reproduced.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from .._exceptions import InputError
from ._stats import ServerStats

__all__ = [
    "STALL_SECONDS",
    "Dropped",
    "FaultDice",
    "FaultPlan",
    "ServerOptions",
    "fail_early",
    "send_body",
]

_JSON = "application/json"
_INVALID_JSON = b'{"items": [{"id": "truncated'
STALL_SECONDS = 3600.0
"""How long a stalled request waits; in practice until its client gives up and leaves."""


@dataclass(slots=True)
class ServerOptions:
    """Latency and faults to inject; rates are probabilities per request in [0, 1].

    Faults apply to bucket documents and batch responses only. The object is read
    on every request, so changing a field (or swapping the object) takes effect
    at once.
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    """Extra latency drawn uniformly from [0, jitter_ms]."""
    error_rate: float = 0.0
    """503 with a ``Retry-After`` of ``retry_after`` seconds."""
    retry_after: float = 0.0
    """The Retry-After of injected 503s, in seconds."""
    seed: int | None = None
    spike_rate: float = 0.0
    spike_ms: float = 0.0
    """Latency added to a request hit by a spike."""
    burst_every: int = 0
    burst_len: int = 0
    """Every ``burst_every``-th request starts ``burst_len`` consecutive 503s (0 disables)."""
    reset_rate: float = 0.0
    """Close the connection without a response."""
    truncate_rate: float = 0.0
    """Announce the full Content-Length, send half the body, close."""
    drip_rate: float = 0.0
    drip_chunk: int = 64
    drip_delay_ms: float = 5.0
    """Send the body ``drip_chunk`` bytes at a time with this pause in between."""
    invalid_json_rate: float = 0.0
    """200 with a body that is not JSON."""
    stall_rate: float = 0.0
    """No answer at all: the request is read and never answered (until the client leaves)."""
    batch_error_rate: float = 0.0
    """503 on batch requests only; single documents are spared."""
    preload: bool = False
    """Read every document into memory at start (up to the 64 MiB cache), so that a
    benchmark measures the injected latency, not this server's disk reads."""

    def __post_init__(self) -> None:
        for name in (
            "error_rate",
            "spike_rate",
            "reset_rate",
            "truncate_rate",
            "drip_rate",
            "invalid_json_rate",
            "stall_rate",
            "batch_error_rate",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise InputError(f"{name}={value!r} must be a probability between 0 and 1")
        for name in (
            "latency_ms",
            "jitter_ms",
            "spike_ms",
            "drip_delay_ms",
            "burst_every",
            "retry_after",
        ):
            if getattr(self, name) < 0:
                raise InputError(f"{name} must not be negative")
        if self.burst_len < 0:
            raise InputError("burst_len must not be negative")
        if self.drip_chunk < 1:
            raise InputError("drip_chunk must be at least 1 byte")

    @classmethod
    def flaky(cls, total: float = 0.32, *, seed: int | None = None) -> ServerOptions:
        """A catalog failing ``total`` of its requests the way a struggling one does.

        The faults keep the proportions of issue 10's mix (15% 503, 5% resets,
        5% truncated bodies, 5% invalid JSON, 2% stalls), scaled to ``total``.
        """
        scale = total / 0.32
        return cls(
            error_rate=0.15 * scale,
            reset_rate=0.05 * scale,
            truncate_rate=0.05 * scale,
            invalid_json_rate=0.05 * scale,
            stall_rate=0.02 * scale,
            seed=seed,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, for a server in another process."""
        return dataclasses.asdict(self)


@dataclass(slots=True)
class FaultPlan:
    """What happens to one request, drawn before its first await so runs reproduce."""

    delay_s: float = 0.0
    fault: str | None = None
    retry_after: float = 0.0


class FaultDice:
    """Draws the latency and the fault of each request from the options' seeded generator."""

    def __init__(self, options: ServerOptions, stats: ServerStats) -> None:
        self.stats = stats
        self.set_options(options)

    def set_options(self, options: ServerOptions) -> None:
        self.options = options
        self.rng = random.Random(options.seed)
        self.eligible = 0

    def draw(self, *, batch: bool = False) -> FaultPlan:
        opts, rng = self.options, self.rng
        self.eligible += 1
        plan = FaultPlan(retry_after=opts.retry_after)
        delay_ms = opts.latency_ms
        if opts.jitter_ms:
            delay_ms += rng.uniform(0.0, opts.jitter_ms)
        if opts.spike_rate and rng.random() < opts.spike_rate:
            delay_ms += opts.spike_ms
            self.stats.faults["spike"] += 1
        plan.delay_s = delay_ms / 1000.0
        n, every = self.eligible, opts.burst_every
        if every and opts.burst_len and n >= every and n % every < opts.burst_len:
            plan.fault = "burst"
        for fault, rate in (
            ("error", opts.error_rate),
            ("reset", opts.reset_rate),
            ("truncate", opts.truncate_rate),
            ("invalid_json", opts.invalid_json_rate),
            ("drip", opts.drip_rate),
            ("stall", opts.stall_rate),
        ):
            if rate and rng.random() < rate and plan.fault is None:
                plan.fault = fault
        if batch and opts.batch_error_rate and rng.random() < opts.batch_error_rate:
            plan.fault = plan.fault or "batch_error"
        return plan


class Dropped(web.Response):
    """Stands in for the response of a reset connection; it is never sent."""


def fail_early(
    request: web.Request, stats: ServerStats, plan: FaultPlan
) -> web.StreamResponse | None:
    """The answer of a request that fails before its body: a 503 or a reset, else None.

    A stall is not answered here: the caller waits (``STALL_SECONDS``) instead.
    """
    if plan.fault in ("burst", "error", "batch_error"):
        stats.faults[plan.fault] += 1
        return web.Response(
            body=orjson.dumps({"error": "injected fault", "fault": plan.fault}),
            status=503,
            content_type=_JSON,
            headers={"Retry-After": f"{plan.retry_after:g}"},
        )
    if plan.fault == "reset":
        stats.faults["reset"] += 1
        if request.transport is not None:
            request.transport.abort()
        # aiohttp swallows the ConnectionError of writing this to the aborted transport.
        return Dropped(status=500)
    return None


async def send_body(
    request: web.Request, dice: FaultDice, plan: FaultPlan, body: bytes
) -> web.StreamResponse:
    """Send a 200 body, honouring the body faults (truncate, invalid JSON, drip)."""
    fault = plan.fault
    if fault is not None:
        dice.stats.faults[fault] += 1
    if fault == "invalid_json":
        return web.Response(body=_INVALID_JSON, content_type=_JSON)
    if fault not in ("truncate", "drip"):
        return web.Response(body=body, content_type=_JSON)
    resp = web.StreamResponse()
    resp.content_type = _JSON
    resp.content_length = len(body)
    await resp.prepare(request)
    if fault == "truncate":
        await resp.write(body[: len(body) // 2])
        if request.transport is not None:
            # close(), not abort(): the half body is flushed before the FIN.
            request.transport.close()
        return resp
    opts = dice.options
    for start in range(0, len(body), opts.drip_chunk):
        await resp.write(body[start : start + opts.drip_chunk])
        await asyncio.sleep(opts.drip_delay_ms / 1000.0)
    await resp.write_eof()
    return resp
