"""Run every benchmark script in turn, then plot.py; collect every target in one table.

``python bench/run_all.py --quick`` uses the small sizes (under 3 minutes on 2 cores).
Each script runs in its own process; a failing script is reported and the rest still
run. The summary (wall time per script, every target with its verdict) is printed and
written to ``bench/results/run_all.json``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import _common as c

SCRIPTS = (
    "baseline.py",
    "versus.py",
    "cache.py",
    "concurrency.py",
    "critical_path.py",
    "load.py",
    "overhead.py",
    "shared_redis.py",
    "batch_memory.py",
    "faults.py",
    "quality.py",
    "footprint.py",
    "llm_flood.py",
    "plot.py",
)


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0])
    c.bench_catalog()  # generate once, outside the timings of the scripts
    c.bench_catalog(pack=False)
    started = time.perf_counter()
    timings: list[list[object]] = []
    failed: list[str] = []
    for script in SCRIPTS:
        cmd = [sys.executable, str(c.BENCH_DIR / script)] + (["--quick"] if args.quick else [])
        print(f"\n=== {script} ===", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, check=False, cwd=c.BENCH_DIR.parent).returncode
        elapsed = time.perf_counter() - t0
        timings.append([script, round(elapsed, 1), "ok" if rc == 0 else f"exit {rc}"])
        if rc != 0:
            failed.append(script)
    total = time.perf_counter() - started
    targets: list[dict[str, Any]] = []
    for script in SCRIPTS:
        path = c.RESULTS_DIR / f"{script.removesuffix('.py')}.json"
        if path.exists():
            targets.extend(json.loads(path.read_text()).get("targets", []))
    c.print_table(
        f"run_all{' --quick' if args.quick else ''}: {total:.1f} s",
        ["script", "s", "status"],
        timings,
    )
    c.print_targets(targets)
    c.write_result(
        "run_all",
        {"quick": args.quick, "scripts": SCRIPTS},
        {"wall_s": round(total, 1), "scripts": timings, "failed": failed},
        targets,
    )
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
