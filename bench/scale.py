"""Every core, one limit across processes, shared flights: `report --batch` as users run it.

1. ``--jobs``: 2,000 distinct CPU-only reports (300 with ``--quick``; the scale-3
   catalog read from its directory, no latency) through ``partsagent report --batch``
   with ``--jobs 1`` and ``--jobs 2`` (child processes): wall time, CPU time of the
   whole process tree (``RUSAGE_CHILDREN``), peak RSS of its largest process, and
   whether the lines are byte-identical once the ``performance`` block is set aside.
   The machine may be shared: its load average is recorded beside the figures.
2. The limit: 4 batch processes (``--jobs 1`` each, a quarter of 200 reports each)
   against the project's catalog server (20 +- 5 ms), without and with one
   ``redis-server``: the most requests the server saw in flight at once, catalog
   requests, Redis commands per report, and every report whole.
3. Shared flights: the same 200 reports run by 1 process, then by 4 processes at
   once, cold, without and with one Redis: catalog requests.

If redis-server is missing, parts 2 and 3 are skipped.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

import _common as c

PROCESSES = 4


def _batch_file(reports: list[c.Report], path: Path) -> Path:
    path.write_bytes(
        b"".join(
            orjson.dumps({"vehicle": r.vehicle, "damaged_parts": r.damage}) + b"\n" for r in reports
        )
    )
    return path


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "partsagent", "report", *args]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PARTSAGENT_REDIS_URL"}


def _run_tree(argv: list[str]) -> dict[str, Any]:
    """Run ``argv`` to its end: wall and CPU seconds of its whole process tree, its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    children = c.child_pids()
    started = time.perf_counter()
    proc = subprocess.run(
        argv, capture_output=True, check=False, env=_env(), cwd=c.BENCH_DIR.parent
    )
    wall = time.perf_counter() - started
    c.reap_orphans(children)  # the fork server and its workers, adopted
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv} failed: {proc.stderr.decode()[-2000:]}")
    return {
        "wall_s": wall,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_rss_mb": after.ru_maxrss / 1024,
        "stdout": proc.stdout,
    }


def jobs_scaling(quick: bool, tmp: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    directory = c.bench_catalog()
    n = 300 if quick else 2000
    batch = _batch_file(c.make_reports(directory, n), tmp / "cpu.jsonl")
    load = os.getloadavg()
    runs = {}
    for jobs in (1, 2):
        run = _run_tree(
            _cli("--batch", str(batch), "--catalog", str(directory), "--jobs", str(jobs))
        )
        runs[jobs] = run
    same = c.without_performance(runs[1]["stdout"]) == c.without_performance(runs[2]["stdout"])
    rows = []
    results: dict[str, Any] = {"reports": n, "load_average_at_start": load, "identical_lines": same}
    for jobs, run in runs.items():
        lines = len(run["stdout"].splitlines())
        results[f"jobs_{jobs}"] = {
            "wall_s": round(run["wall_s"], 3),
            "reports_per_s": round(n / run["wall_s"], 1),
            "cpu_s": round(run["cpu_s"], 3),
            "cpu_ms_per_report": round(1000 * run["cpu_s"] / n, 3),
            "peak_rss_mb": round(run["peak_rss_mb"], 1),
            "lines": lines,
        }
        r = results[f"jobs_{jobs}"]
        rows.append(
            [
                jobs,
                r["wall_s"],
                r["reports_per_s"],
                r["cpu_s"],
                r["cpu_ms_per_report"],
                r["peak_rss_mb"],
            ]
        )
    speedup = runs[1]["wall_s"] / runs[2]["wall_s"]
    results["speedup_jobs_2"] = round(speedup, 2)
    c.print_table(
        f"--jobs: {n} distinct CPU-only reports "
        f"(load average at start {load[0]:.1f} on {os.cpu_count()} cores)",
        ["jobs", "wall s", "reports/s", "CPU s (tree)", "CPU ms/report", "peak RSS MB"],
        rows,
    )
    print(f"speedup --jobs 2 vs 1: {speedup:.2f}x; lines identical (performance aside): {same}")
    targets = [
        c.target(
            "--jobs 2 vs --jobs 1 wall time (2 cores, shared machine)",
            round(speedup, 2),
            ">= 1.7x",
            speedup >= 1.7,
            "x",
        ),
        c.target("lines byte-identical to --jobs 1 (performance aside)", float(same), "1", same),
    ]
    return results, targets


def _redis_commands(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return int(client.info("stats")["total_commands_processed"])
    finally:
        client.close()


def _flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushall()
    finally:
        client.close()


def _processes(files: list[Path], server: str, redis_url: str | None) -> dict[str, Any]:
    """One batch process per file, all at once: lines, errors, requests, in flight, Redis."""
    c.reset_stats(server)
    extra = ["--redis", redis_url] if redis_url else []
    before = _redis_commands(redis_url) if redis_url else 0
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            _cli("--batch", str(f), "--catalog", server, "--jobs", "1", *extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
            cwd=c.BENCH_DIR.parent,
        )
        for f in files
    ]
    talk = [p.communicate() for p in procs]
    outs = [out for out, _ in talk]
    warnings = Counter(
        line[:80] for _, err in talk for line in re.findall(rb"partsagent: warning: .*", err)
    )
    wall = time.perf_counter() - started
    stats = c.server_stats(server)
    lines = [orjson.loads(line) for out in outs for line in out.splitlines()]
    return {
        "processes": len(files),
        "wall_s": round(wall, 3),
        "reports": len(lines),
        "errors": sum("error" in line for line in lines),
        "catalog_requests": stats["total"],
        "requests_by_document": _by_document(stats),
        "max_in_flight": stats["max_in_flight"],
        "warnings": {line.decode(): n for line, n in sorted(warnings.items())},
        "redis_commands": (_redis_commands(redis_url) - before) if redis_url else 0,
    }


def _by_document(stats: dict[str, Any]) -> dict[str, int]:
    """Requests per level of the catalog tree, packs apart from the rest: where they go."""
    levels = c.request_levels(stats)
    levels["packs"] = sum(n for path, n in stats["paths"].items() if "/packs/" in path)
    levels["other"] -= levels["packs"]
    return levels


def across_processes(quick: bool, tmp: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if c.REDIS_SERVER is None:
        print("redis-server is not installed: the limit and the shared flights are not measured")
        return {"skipped": "no redis-server"}, []
    directory = c.bench_catalog()
    n = 80 if quick else 200
    reports = c.make_reports(directory, n)
    quarters = [_batch_file(reports[p::PROCESSES], tmp / f"q{p}.jsonl") for p in range(PROCESSES)]
    whole = _batch_file(reports, tmp / "all.jsonl")
    redis_proc, url = c.start_redis()
    results: dict[str, Any] = {"reports": n}
    try:
        with c.catalog_server(directory) as server:
            rows = []
            for name, files, shared in (
                ("1 process, all reports", [whole], None),
                ("4 processes, a quarter each, no Redis", quarters, None),
                ("4 processes, a quarter each, one Redis", quarters, url),
                ("4 processes, all reports each, no Redis", [whole] * PROCESSES, None),
                ("4 processes, all reports each, one Redis", [whole] * PROCESSES, url),
            ):
                _flush(url)
                r = _processes(files, server.url, shared)
                results[name] = r
                per_report = r["redis_commands"] / r["reports"] if r["reports"] else 0.0
                rows.append(
                    [
                        name,
                        r["reports"],
                        r["errors"],
                        r["catalog_requests"],
                        r["max_in_flight"],
                        round(per_report, 1),
                        r["wall_s"],
                    ]
                )
            c.print_table(
                f"4 processes, one catalog server ({c.LATENCY_MS:g} +- {c.JITTER_MS:g} ms), "
                "one redis-server",
                [
                    "run",
                    "lines",
                    "errors",
                    "catalog requests",
                    "max in flight",
                    "Redis cmds/report",
                    "wall s",
                ],
                rows,
            )
    finally:
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
    limited = results["4 processes, a quarter each, one Redis"]
    one = results["1 process, all reports"]
    same4 = results["4 processes, all reports each, one Redis"]
    targets = [
        c.target(
            "max in flight, 4 processes, one Redis",
            limited["max_in_flight"],
            "<= 5",
            limited["max_in_flight"] <= 5,
        ),
        c.target("errors, 4 processes, one Redis", limited["errors"], "0", limited["errors"] == 0),
        c.target(
            "catalog requests, 4 processes x the same reports cold, one Redis / one process",
            round(same4["catalog_requests"] / max(1, one["catalog_requests"]), 2),
            "<= 1.2x",
            same4["catalog_requests"] <= 1.2 * one["catalog_requests"],
            "x",
        ),
    ]
    return results, targets


def _part(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--part",
        choices=("all", "jobs", "processes"),
        default="all",
        help="measure --jobs scaling, the processes sharing one Redis, or both (default)",
    )


def main() -> None:
    args = c.parse_args(__doc__ or "", _part)
    c.quiet_logs()
    c.adopt_orphans()
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"partsagent-bench-scale-{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=True)
    jobs: dict[str, Any] = {"skipped": "--part processes"}
    shared: dict[str, Any] = {"skipped": "--part jobs"}
    jobs_targets: list[dict[str, Any]] = []
    shared_targets: list[dict[str, Any]] = []
    try:
        if args.part in ("all", "jobs"):
            jobs, jobs_targets = jobs_scaling(args.quick, tmp)
        if args.part in ("all", "processes"):
            shared, shared_targets = across_processes(args.quick, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    targets = [*jobs_targets, *shared_targets]
    c.print_targets(targets)
    c.write_result(
        "scale" if args.part == "all" else f"scale-{args.part}",
        {**c.common_params(c.bench_catalog()), "quick": args.quick, "processes": PROCESSES},
        {"jobs": jobs, "across_processes": shared},
        targets,
    )


if __name__ == "__main__":
    main()
