"""What partsagent costs a process: CPU per report, import time, memory per cached entry.

* **CPU per distinct report**: ``partsagent report --batch FILE --jobs 1`` on the
  embedded sample catalog, 2,000 distinct generated reports (``_common.make_reports``;
  500 with ``--quick``), against the same command on the first line alone; CPU time of
  the child (user + system, from ``wait4``: the machine is shared, so wall time would
  measure the other jobs), the best of 3 runs each; the difference over the extra
  reports is the CPU of one report, imports and start-up apart. The output lines'
  SHA-256 (``--no-performance``: no timings in them) is kept in the JSON, so a change
  meant only to be faster is shown to answer every report the same;
* **import**: ``python -X importtime -c "import partsagent"`` in fresh interpreters
  (the best of 7: the machine is shared), and which optional parts stayed unloaded
  (the LLM client, Redis, aiohttp, structlog); beside it, ``from partsagent import
  PartsAgent`` (the agent loads its reading and pricing when first named).
  ``--import-only`` measures these alone;
* **memory per cached report**: RSS of a process that priced the same distinct
  reports with a report cache of ``N`` minus one with a report cache of 1,
  divided by ``N``;
* **memory per cached catalog document**: RSS with the catalog cache at its
  default cap minus RSS with a cap of 1 (report cache of 1 in both), divided by
  the documents held; for a packed bucket (lists arrive in packs, held as JSON
  bytes until read) and for the standard layout (each list read and validated).

Every measurement runs in a child process of its own (spawn) on the local bench
bucket, so no catalog latency is involved and RSS starts from the same state.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

import _common as c
from partsagent import PartsAgent
from partsagent.catalog import BucketManager, sample_catalog_path

LAZY = ("openai", "redis", "aiohttp", "aiocache", "structlog")
IMPORT_RUNS = 7
CPU_RUNS = 3


def _batch_cpu(path: Path) -> tuple[float, str]:
    """CPU seconds of ``report --batch`` on ``path`` in a child, and its output's SHA-256."""
    argv = [sys.executable, "-m", "partsagent", "report", "--batch", str(path)]
    argv += ["--jobs", "1", "--no-performance", "--quiet"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTSAGENT_")}
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            raise SystemExit(f"report --batch failed on {path}")
        out.seek(0)
        digest = hashlib.sha256(out.read()).hexdigest()
    return usage.ru_utime + usage.ru_stime, digest


def cpu_per_report(n: int) -> dict[str, Any]:
    """CPU of one distinct report of ``report --batch`` on the sample, start-up apart."""
    reports = c.make_reports(sample_catalog_path(), n)
    lines = [orjson.dumps({"vehicle": r.vehicle, "damaged_parts": r.damage}) for r in reports]
    with tempfile.TemporaryDirectory() as tmp:
        many, one = Path(tmp) / "many.jsonl", Path(tmp) / "one.jsonl"
        many.write_bytes(b"\n".join(lines) + b"\n")
        one.write_bytes(lines[0] + b"\n")
        runs = [_batch_cpu(many) for _ in range(CPU_RUNS)]
        alone = min(_batch_cpu(one)[0] for _ in range(CPU_RUNS))
    digests = {d for _, d in runs}
    assert len(digests) == 1, "the same batch gave different lines"
    best = min(cpu for cpu, _ in runs)
    return {
        "reports": n,
        "cpu_s": round(best, 3),
        "cpu_s_one_report": round(alone, 3),
        "cpu_ms_per_report": round(1000 * (best - alone) / (n - 1), 3),
        "lines_sha256": digests.pop(),
    }


def import_seconds() -> tuple[float, list[str]]:
    """The best ``import partsagent`` of several fresh interpreters, and what it loaded.

    Bytecode is written and used, as on a user's machine (the first run writes it):
    an environment with PYTHONDONTWRITEBYTECODE would time the compiler instead.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    best = float("inf")
    for _ in range(IMPORT_RUNS + 1):
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import partsagent"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stderr
        total = re.search(r"\|\s*(\d+)\s*\|\s*partsagent\s*$", out, re.M)
        assert total is not None, "no importtime line for partsagent"
        best = min(best, int(total.group(1)) / 1e6)
    probe = "import sys, partsagent; print(','.join(sorted(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    modules = set(loaded.split(","))
    return best, [name for name in LAZY if name in modules]


def agent_import_seconds() -> float:
    """The best ``from partsagent import PartsAgent`` (the agent, its reading and pricing
    loaded too) of several fresh interpreters, bytecode used as by ``import_seconds``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    probe = (
        "import time; t = time.perf_counter(); from partsagent import PartsAgent; "
        "print(time.perf_counter() - t)"
    )
    return min(
        float(
            subprocess.run(
                [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
            ).stdout
        )
        for _ in range(IMPORT_RUNS + 1)
    )


def _measure(directory: str, n: int, max_reports: int, max_entries: int, out: Any) -> None:
    """In a child: price ``n`` reports, then report RSS and the cache sizes."""
    c.quiet_logs()
    reports = c.make_reports(c.bench_catalog(), n)

    async def run() -> dict[str, Any]:
        manager = BucketManager(directory, max_entries=max_entries)
        async with PartsAgent(manager, max_reports=max_reports) as agent:
            for r in reports:
                await agent.process_damage_report(r.vehicle, r.damage)
            await manager.drain()
            gc.collect()
            return {
                "rss_mb": c.rss_mb(),
                "documents": manager.get_cache_stats()["cache_size"],
                "reports": agent.reports.stats()["size"],
            }

    out.put(asyncio.run(run()))


def measure(directory: str, n: int, *, max_reports: int, max_entries: int) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_measure, args=(directory, n, max_reports, max_entries, queue))
    proc.start()
    result: dict[str, Any] = queue.get(timeout=600)
    proc.join(60)
    return result


def main() -> None:
    args = c.parse_args(
        __doc__.splitlines()[0],
        lambda p: p.add_argument(
            "--import-only", action="store_true", help="measure the imports only"
        ),
    )
    n = 300 if args.quick else 1000
    seconds, loaded = import_seconds()
    load = os.getloadavg()[0]
    print(
        f"import partsagent: {seconds:.3f} s (best of {IMPORT_RUNS}, load {load:.1f}); "
        f"loaded: {loaded or 'none'}"
    )
    agent_seconds = agent_import_seconds()
    print(f"from partsagent import PartsAgent: {agent_seconds:.3f} s (best of {IMPORT_RUNS})")
    if args.import_only:
        met = seconds <= 0.15
        targets = [c.target("footprint: import partsagent", round(seconds, 3), "<= 0.15 s", met)]
        c.print_targets(targets)
        c.write_result(
            "footprint-import",
            {"import_runs": IMPORT_RUNS},
            {
                "import_s": round(seconds, 4),
                "agent_import_s": round(agent_seconds, 4),
                "load_average": round(load, 2),
                "lazy_loaded_by_import": loaded,
            },
            targets,
        )
        return
    packed, plain = str(c.bench_catalog()), str(c.bench_catalog(pack=False))
    cpu = cpu_per_report(500 if args.quick else 2000)
    c.print_table(
        f"report --batch, {cpu['reports']:,} distinct sample reports (CPU, best of {CPU_RUNS})",
        ["batch CPU s", "one-line batch CPU s", "CPU ms per report", "lines SHA-256"],
        [
            [
                cpu["cpu_s"],
                cpu["cpu_s_one_report"],
                cpu["cpu_ms_per_report"],
                cpu["lines_sha256"][:16],
            ]
        ],
    )
    runs = {
        "reports cached": measure(packed, n, max_reports=n, max_entries=10_000),
        "report cache of 1": measure(packed, n, max_reports=1, max_entries=10_000),
        "packed, catalog cache of 1": measure(packed, n, max_reports=1, max_entries=1),
        "standard layout": measure(plain, n, max_reports=1, max_entries=10_000),
        "standard layout, catalog cache of 1": measure(plain, n, max_reports=1, max_entries=1),
    }
    c.print_table(
        f"RSS after {n} distinct reports (local bench bucket)",
        ["run", "RSS MB", "reports cached", "documents cached"],
        [[k, round(r["rss_mb"], 1), r["reports"], r["documents"]] for k, r in runs.items()],
    )
    per_report = (
        (runs["reports cached"]["rss_mb"] - runs["report cache of 1"]["rss_mb"])
        * 1024
        / max(1, runs["reports cached"]["reports"] - 1)
    )
    per_packed = (
        (runs["report cache of 1"]["rss_mb"] - runs["packed, catalog cache of 1"]["rss_mb"])
        * 1024
        / runs["report cache of 1"]["documents"]
    )
    per_standard = (
        (runs["standard layout"]["rss_mb"] - runs["standard layout, catalog cache of 1"]["rss_mb"])
        * 1024
        / runs["standard layout"]["documents"]
    )
    c.print_table(
        "memory per cached entry",
        ["entry", "KB"],
        [
            ["report (report cache)", round(per_report, 2)],
            ["catalog document from packs (catalog cache)", round(per_packed, 2)],
            ["catalog document, standard layout (catalog cache)", round(per_standard, 2)],
        ],
    )
    per = cpu["cpu_ms_per_report"]
    targets = [
        c.target("footprint: CPU per distinct report", per, "<= 1.2 ms", per <= 1.2, " ms"),
        c.target(
            "footprint: import partsagent", round(seconds, 3), "<= 0.15 s", seconds <= 0.15, " s"
        ),
        c.target(
            "footprint: optional parts loaded by import",
            len(loaded),
            "0 (LLM, Redis, HTTP, structlog lazy)",
            not loaded,
        ),
        c.target(
            "footprint: memory per cached report",
            round(per_report, 2),
            "<= 20 KB",
            per_report <= 20,
            " KB",
        ),
    ]
    c.print_targets(targets)
    c.write_result(
        "footprint",
        {
            "reports": n,
            "import_runs": IMPORT_RUNS,
            "catalog": c.common_params(c.bench_catalog())["catalog"],
        },
        {
            "cpu_per_report": cpu,
            "import_s": round(seconds, 4),
            "agent_import_s": round(agent_seconds, 4),
            "lazy_loaded_by_import": loaded,
            "runs": runs,
            "kb_per_cached_report": round(per_report, 3),
            "kb_per_cached_document_packed": round(per_packed, 3),
            "kb_per_cached_document_standard": round(per_standard, 3),
        },
        targets,
    )


if __name__ == "__main__":
    main()
