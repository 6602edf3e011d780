"""Shared helpers of the benchmark scripts: the catalog server, the report list, tables, JSON.

Every script measures against the project's catalog server in a child process
(so its CPU never pollutes client timings) with injected latency of
20 ms +- 5 ms by default: a remote catalog modelled honestly. The catalog is a
generated bucket (``scale=3``: 24 makes, 30 models, 123 variants, 219
make/model/year vehicles) so that 200 distinct vehicles exist; it is rebuilt
when the generator's code changes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import datetime as dt
import functools
import hashlib
import http.server
import json
import logging
import math
import multiprocessing
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
# The script's directory comes first on sys.path, where a script named like a package
# (bench/redis.py once shadowed redis, imported by aiocache) would hide it: move it last.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR] + [str(BENCH_DIR)]

import orjson  # noqa: E402
import structlog  # noqa: E402

import partsagent  # noqa: E402
from partsagent._table import render_table  # noqa: E402
from partsagent.testing import (  # noqa: E402
    ServerOptions,
    ServerProcess,
    generate_bucket,
    start_server_process,
)

RESULTS_DIR = BENCH_DIR / "results"

LATENCY_MS = 20.0
"""Mean injected latency of every catalog request."""
JITTER_MS = 5.0
"""Half-width of the uniform jitter around the mean: 20 +- 5 ms is uniform in [15, 25]."""
CONCURRENCY = 5
"""partsagent's default bound on outbound catalog requests (BucketManager max_concurrency)."""
CATALOG_SCALE = 3
CATALOG_SEED = 0
REPORT_SEED = 20240611

# A fixed vocabulary of damage as users write it: UK and US words, sides, typos left out.
DAMAGE_TERMS: tuple[str, ...] = (
    "front bumper",
    "front bumper cover",
    "bumper cover",
    "headlight",
    "headlamp",
    "left headlamp",
    "right headlight",
    "bonnet",
    "hood",
    "rear bumper",
    "grille",
    "radiator grille",
    "fog light",
    "left fog lamp",
    "tail light",
    "right taillight",
    "left wing",
    "right fender",
    "radiator",
    "windscreen",
    "windshield",
    "left front door",
    "right front door",
    "door mirror",
    "left side mirror",
    "wing mirror glass",
    "tailgate",
    "liftgate",
    "number plate lamp",
    "license plate light",
    "emblem",
    "ac condenser",
    "front parking sensor",
    "rear parking sensor",
    "bonnet catch",
    "hood latch",
)
SEVERITIES: tuple[str, ...] = ("minor", "moderate", "severe")


# -- logging ------------------------------------------------------------------------------


def adopt_orphans() -> None:
    """Make this process the reaper of its descendants' orphans (Linux): a ``--jobs`` run's
    fork server and workers end just after the command, and their CPU is counted in
    ``RUSAGE_CHILDREN`` only where they are reaped (``reap_orphans``)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def child_pids() -> set[int]:
    """This process's children now (Linux; empty elsewhere)."""
    found: set[int] = set()
    with contextlib.suppress(OSError):
        for task in Path("/proc/self/task").iterdir():
            found.update(int(pid) for pid in (task / "children").read_text().split())
    return found


def reap_orphans(before: set[int]) -> None:
    """Wait for the children that were not ``before`` (the adopted fork server and its
    workers, which end when their command has); servers this script started are left."""
    for pid in child_pids() - before:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def quiet_logs(level: int = logging.WARNING) -> None:
    """Drop library events below ``level`` before any processor runs (cheap no-op calls)."""
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=False,
    )


# -- arguments ------------------------------------------------------------------------------


def parse_args(
    description: str, extra: Callable[[argparse.ArgumentParser], None] | None = None
) -> argparse.Namespace:
    """``--quick`` (small sizes, for run_all) plus whatever ``extra`` adds."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes, for run_all --quick")
    if extra is not None:
        extra(parser)
    return parser.parse_args()


# -- the catalog ------------------------------------------------------------------------------


def _generator_fingerprint() -> str:
    """Hash of the generator's code: a change there means a different bucket."""
    src = Path(partsagent.__file__).resolve().parent
    digest = hashlib.sha256()
    generator = (
        "testing/_generate.py",
        "testing/_fleet.py",
        "testing/_articles.py",
        "testing/_parts.py",
        "testing/sample_parts.json",
    )
    words = ("_reading/taxonomy.json", "_reading/words/en/categories.json")
    for name in (*generator, *words, "_catalog/packs.py"):
        digest.update((src / name).read_bytes())
    return digest.hexdigest()[:16]


def bench_catalog(
    scale: int = CATALOG_SCALE, seed: int = CATALOG_SEED, *, pack: bool = True
) -> Path:
    """A generated bucket in the temp directory, rebuilt when the generator changes.

    ``pack=False``: the standard layout only (no packs, none advertised), as a
    bucket published before packs existed.
    """
    # The generator's fingerprint is in the name: checkouts of other branches on the same
    # machine (other worktrees) then never regenerate each other's bucket mid-run.
    fingerprint = _generator_fingerprint()
    name = f"partsagent-bench-s{scale}-seed{seed}-{fingerprint[:12]}" + ("" if pack else "-plain")
    root = Path(tempfile.gettempdir()) / name
    stamp = root / ".fingerprint"
    if stamp.exists() and stamp.read_text() == fingerprint and (root / "index.json").exists():
        return root
    generate_bucket(root, scale=scale, seed=seed, pack=pack)
    stamp.write_text(fingerprint)
    return root


REDIS_SERVER = shutil.which("redis-server")


def start_redis() -> tuple[subprocess.Popen[bytes], str]:
    """A throwaway redis-server on a free port of 127.0.0.1 (no persistence) and its URL."""
    import redis

    assert REDIS_SERVER is not None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    proc = subprocess.Popen(
        [*argv, "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.02)
    client.close()
    return proc, url


def without_performance(out: bytes) -> list[bytes]:
    """The JSON lines of a ``report --batch`` run without their ``performance`` block
    (timings differ run to run): what two runs must print alike."""
    lines = []
    for line in out.splitlines():
        item = orjson.loads(line)
        item.pop("performance", None)
        lines.append(orjson.dumps(item))
    return lines


def catalog_counts(directory: Path) -> dict[str, int]:
    counts: dict[str, int] = json.loads((directory / "index.json").read_text())["counts"]
    return counts


def server_options(
    latency_ms: float = LATENCY_MS, jitter_ms: float = JITTER_MS, seed: int = 0
) -> ServerOptions:
    """``latency_ms +- jitter_ms``, uniform: the server adds ``[0, 2*jitter]`` to a floor."""
    # preload: the server answers from memory, so only the injected latency is measured.
    return ServerOptions(
        latency_ms=max(0.0, latency_ms - jitter_ms),
        jitter_ms=2 * jitter_ms,
        seed=seed,
        preload=True,
    )


@contextlib.contextmanager
def catalog_server(
    directory: Path | None = None,
    *,
    latency_ms: float = LATENCY_MS,
    jitter_ms: float = JITTER_MS,
    seed: int = 0,
) -> Iterator[ServerProcess]:
    """The project's catalog server in a child process, stopped on exit."""
    directory = directory if directory is not None else bench_catalog()
    # ``python -m`` puts the working directory first on the child's path: run it from the
    # checkout, so that no script of bench/ can shadow a package there.
    with contextlib.chdir(BENCH_DIR.parent):
        server = start_server_process(directory, server_options(latency_ms, jitter_ms, seed))
    with server:
        yield server


class _SlowStaticHandler(http.server.SimpleHTTPRequestHandler):
    """``python -m http.server``'s handler, answering after the injected latency."""

    latency: tuple[float, float] = (0.0, 0.0)
    rng = random.Random(0)
    lock = threading.Lock()
    requests: Any = None
    sent: Any = None

    def send_head(self) -> Any:
        with self.lock:
            delay = self.rng.uniform(*self.latency)
        time.sleep(delay / 1000.0)
        head = super().send_head()
        with self.requests.get_lock():
            self.requests.value += 1
        if head is not None and hasattr(head, "fileno"):
            with self.sent.get_lock():
                self.sent.value += os.fstat(head.fileno()).st_size
        return head

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: one line per request would swamp the tables."""


def _serve_static(
    directory: str,
    latency: tuple[float, float],
    seed: int,
    port: Any,
    requests: Any,
    sent: Any,
) -> None:
    handler = functools.partial(_SlowStaticHandler, directory=directory)
    _SlowStaticHandler.latency = latency
    _SlowStaticHandler.rng = random.Random(seed)
    _SlowStaticHandler.requests = requests
    _SlowStaticHandler.sent = sent
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        port.value = httpd.server_address[1]
        httpd.serve_forever()


@dataclass
class StaticServer:
    """A plain static file server in a child process: ``url``, requests and bytes served."""

    url: str
    _requests: Any
    _sent: Any

    def stats(self) -> dict[str, int]:
        return {"total": self._requests.value, "bytes": self._sent.value}

    def reset(self) -> None:
        self._requests.value = 0
        self._sent.value = 0


@contextlib.contextmanager
def static_server(
    directory: Path,
    *,
    latency_ms: float = LATENCY_MS,
    jitter_ms: float = JITTER_MS,
    seed: int = 0,
) -> Iterator[StaticServer]:
    """A static bucket as S3, GCS or nginx serve one, ``latency_ms +- jitter_ms`` away.

    ``python -m http.server``'s own handler (HTTP/1.0, a thread per request) over
    ``directory``, each answer sent after the injected latency.

    It runs in a spawned child process so its CPU never pollutes client timings,
    and counts requests and body bytes (``stats()``).
    """
    ctx = multiprocessing.get_context("spawn")
    port, requests, sent = ctx.Value("i", 0), ctx.Value("q", 0), ctx.Value("q", 0)
    latency = (max(0.0, latency_ms - jitter_ms), latency_ms + jitter_ms)
    proc = ctx.Process(
        target=_serve_static,
        args=(str(directory), latency, seed, port, requests, sent),
        daemon=True,
    )
    proc.start()
    deadline = time.monotonic() + 30
    while port.value == 0:
        if time.monotonic() > deadline or not proc.is_alive():
            proc.kill()
            raise RuntimeError("the static server did not start")
        time.sleep(0.01)
    try:
        yield StaticServer(f"http://127.0.0.1:{port.value}/", requests, sent)
    finally:
        proc.terminate()
        proc.join(10)


def _control(url: str, path: str, body: bytes | None = None) -> dict[str, Any]:
    req = urllib.request.Request(
        url + path,
        data=body,
        method="POST" if body is not None else "GET",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5.0) as resp:
        result: dict[str, Any] = json.loads(resp.read())
        return result


def server_stats(url: str) -> dict[str, Any]:
    """The server's ``/_stats``: ``total`` requests (a batch counts once), per-path counts."""
    return _control(url, "_stats")


def reset_stats(url: str) -> None:
    _control(url, "_stats/reset", b"{}")


def set_latency(url: str, latency_ms: float, jitter_ms: float, seed: int = 0) -> None:
    """Change the injected latency of a running server (``POST /_options``)."""
    opts = server_options(latency_ms, jitter_ms, seed)
    _control(url, "_options", json.dumps(opts.to_dict()).encode())


def set_options(url: str, options: ServerOptions) -> None:
    """Replace every fault option of a running server (``POST /_options``)."""
    _control(url, "_options", json.dumps(options.to_dict()).encode())


def request_levels(stats: dict[str, Any]) -> dict[str, int]:
    """Requests per level of the catalog tree, from the paths in a ``/_stats`` snapshot."""
    levels = dict.fromkeys(("manufacturers", "models", "categories", "articles", "other"), 0)
    for path, n in stats["paths"].items():
        if path.endswith("/manufacturers.json"):
            levels["manufacturers"] += n
        elif path.endswith("/models.json"):
            levels["models"] += n
        elif path.endswith(("/categories.json", "/categories")):
            levels["categories"] += n
        elif path.endswith(("/articles.json", "/articles")):
            levels["articles"] += n
        else:
            levels["other"] += n
    return levels


# -- reports ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Report:
    """One damage report as a user sends it."""

    vehicle: dict[str, Any]
    damage: list[dict[str, str]] = field(hash=False)

    def key(self) -> str:
        return json.dumps([self.vehicle, self.damage], sort_keys=True)


def vehicles(directory: Path) -> list[tuple[str, str, int]]:
    """Every (make, model, year) of the catalog with at least one variant built that year."""
    out: list[tuple[str, str, int]] = []
    makers = json.loads((directory / "manufacturers.json").read_text())
    for m in makers:
        models = json.loads((directory / "manufacturers" / m["id"] / "models.json").read_text())
        for model in models:
            last = model["year_to"] or 2025
            for year in range(model["year_from"], last + 1):
                if any(v["year_from"] <= year <= (v["year_to"] or 9999) for v in model["variants"]):
                    out.append((m["name"], model["name"], year))
    return out


def make_reports(
    directory: Path, n: int, *, n_vehicles: int = 200, seed: int = REPORT_SEED
) -> list[Report]:
    """``n`` distinct reports over ``n_vehicles`` vehicles, 1-4 random damaged parts each.

    Deterministic: the same arguments give the same list, and a shorter list is a
    prefix of a longer one (1k reports are the first 1k of the 10k).
    """
    rng = random.Random(seed)
    pool = vehicles(directory)
    chosen = rng.sample(pool, min(n_vehicles, len(pool)))
    seen: set[str] = set()
    out: list[Report] = []
    while len(out) < n:
        make, model, year = rng.choice(chosen)
        parts = rng.sample(DAMAGE_TERMS, rng.randint(1, 4))
        damage = [{"component": p, "severity": rng.choice(SEVERITIES)} for p in parts]
        report = Report({"make": make, "model": model, "year": year}, damage)
        key = report.key()
        if key in seen:
            continue
        seen.add(key)
        out.append(report)
    return out


SEED_VEHICLE: dict[str, Any] = {"make": "Vauxhall", "model": "Astra", "year": 2018}
SEED_DAMAGE: list[dict[str, str]] = [
    {"component": "Front Bumper Cover", "severity": "severe"},
    {"component": "Headlight Assembly", "severity": "moderate"},
    {"component": "Hood", "severity": "minor"},
]


# -- running ------------------------------------------------------------------------------


async def run_bounded(
    items: Sequence[Any], one: Callable[[Any], Awaitable[Any]], in_flight: int
) -> list[float]:
    """Run ``one`` over ``items`` with at most ``in_flight`` at once; per-item latency in ms.

    ``in_flight`` workers take the next item as they finish one, as a service or a
    batch runner would: no task per item waiting on a semaphore, whose memory (a few
    KB each, 10,000 of them) would be the harness's, not the library's.
    """
    latencies = [0.0] * len(items)
    todo = iter(enumerate(items))

    async def worker() -> None:
        for i, item in todo:
            t0 = time.perf_counter()
            await one(item)
            latencies[i] = (time.perf_counter() - t0) * 1000.0

    await asyncio.gather(*(worker() for _ in range(min(in_flight, len(items)))))
    return latencies


# -- statistics and output ------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, ``q`` in [0, 100]."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def latency_summary(values_ms: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values_ms),
        "mean_ms": round(sum(values_ms) / len(values_ms), 3) if values_ms else 0.0,
        "p50_ms": round(percentile(values_ms, 50), 3),
        "p95_ms": round(percentile(values_ms, 95), 3),
        "p99_ms": round(percentile(values_ms, 99), 3),
        "max_ms": round(max(values_ms), 3) if values_ms else 0.0,
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process (VmHWM), in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    print(f"\n{title}")
    print(render_table(headers, rows))


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def target_rows(targets: Sequence[dict[str, Any]]) -> list[list[object]]:
    return [[t["name"], t["measured"], t["target"], verdict(t["met"])] for t in targets]


def print_targets(targets: Sequence[dict[str, Any]]) -> None:
    if targets:
        print_table("targets", ["target", "measured", "wanted", "verdict"], target_rows(targets))


def target(name: str, measured: float, wanted: str, met: bool, unit: str = "") -> dict[str, Any]:
    shown = f"{measured:.2f}{unit}" if isinstance(measured, float) else f"{measured}{unit}"
    return {"name": name, "measured": shown, "value": measured, "target": wanted, "met": met}


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def machine_info() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "partsagent": getattr(partsagent, "__version__", None) or _dist_version(),
    }


def _dist_version() -> str | None:
    from importlib import metadata

    try:
        return metadata.version("partsagent")
    except metadata.PackageNotFoundError:
        return None


def write_result(
    name: str,
    params: dict[str, Any],
    results: dict[str, Any],
    targets: Sequence[dict[str, Any]] = (),
) -> Path:
    """Write ``bench/results/{name}.json`` with machine info, a timestamp and the parameters."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {
        "benchmark": name,
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "machine": machine_info(),
        "parameters": params,
        "results": results,
        "targets": list(targets),
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"\nwrote {path.relative_to(BENCH_DIR.parent)}")
    return path


def replace_everything() -> partsagent.EstimateData:
    """The packaged estimate data with a policy that replaces every damaged part.

    The replaced design bought every part it was told about; comparing it with
    partsagent on the parts it buys needs partsagent to buy the same ones.
    """
    policy = partsagent.EstimateData.load().policy.model_dump(mode="json", by_alias=True)
    for row in policy["rows"]:
        row["operations"] = ["replace"]
    path = Path(tempfile.gettempdir()) / "partsagent-bench-replace-everything.json"
    path.write_text(json.dumps(policy))
    return partsagent.EstimateData.load(policy=path)


def common_params(directory: Path) -> dict[str, Any]:
    return {
        "latency_ms": LATENCY_MS,
        "jitter_ms": JITTER_MS,
        "catalog": {"scale": CATALOG_SCALE, "seed": CATALOG_SEED, **catalog_counts(directory)},
    }
