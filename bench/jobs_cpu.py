"""Where `report --batch --jobs N` spends its CPU: the parent, each worker's start, its reports.

2,000 distinct CPU-only reports (300 with ``--quick``) on the scale-3 catalog read
from its directory, through the command line with ``--jobs 1`` and ``--jobs 2``,
in that order, for ``--rounds`` rounds (default 3: the machine may be shared, and
the rounds show the noise). Bytecode is written and used, as on a user's machine.
The command runs in a child process that calls the CLI and, at its end, reads
its own CPU (``RUSAGE_SELF``: the parent's reading, handing out and writing,
plus its imports); this script adopts the command's orphans (the fork server
and its workers end just after it) and counts the CPU of everything else it
reaps as the workers'. Each worker's start (its agent; with spawn, also the
interpreter and imports) and reports come from the worker summary on stderr, and
"other" is the rest (the fork server's imports, taking chunks and handing
results over, closing; the resource tracker). Also: one report alone, the fixed
cost of a run; and whether the lines of ``--jobs 2`` are those of ``--jobs 1``
(performance block aside). The load average is recorded beside each run.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

import _common as c

# The command line in this child process (``-c``: a spawned worker does not re-import it).
_CHILD = """
import json, resource, sys, time
from partsagent._cli.main import main
started = time.perf_counter()
status = main(sys.argv[1:], owns_process=True)
me = resource.getrusage(resource.RUSAGE_SELF)
workers = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write("RUSAGE " + json.dumps({
    "wall_s": time.perf_counter() - started,
    "parent_cpu_s": me.ru_utime + me.ru_stime,
    "children_cpu_s": workers.ru_utime + workers.ru_stime,
    "status": status,
}) + "\\n")
"""

_UNSET = ("PARTSAGENT_REDIS_URL", "PYTHONDONTWRITEBYTECODE")

_WORKER = re.compile(
    rb"worker (\d+) of \d+: (\d+) reports; CPU ([\d.]+) s to start \(imports, agent\), "
    rb"([\d.]+) s on reports"
)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(batch: Path, catalog: Path, jobs: int) -> dict[str, Any]:
    load = os.getloadavg()[0]
    before = _children_cpu()
    children = c.child_pids()
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, "report", "--batch", str(batch), "--catalog", str(catalog)]
        + ["--jobs", str(jobs)],
        capture_output=True,
        check=False,
        cwd=c.BENCH_DIR.parent,
        # Bytecode written and used, as on a user's machine: PYTHONDONTWRITEBYTECODE would
        # time the compiler in every process.
        env={k: v for k, v in os.environ.items() if k not in _UNSET},
    )
    wall = time.perf_counter() - started
    c.reap_orphans(children)
    tree = _children_cpu() - before
    usage = [line for line in proc.stderr.splitlines() if line.startswith(b"RUSAGE ")]
    if proc.returncode != 0 or not usage:
        raise SystemExit(f"--jobs {jobs} failed: {proc.stderr.decode()[-2000:]}")
    measured = json.loads(usage[-1][len(b"RUSAGE ") :])
    workers = [
        {"reports": int(m[2]), "start_cpu_s": float(m[3]), "reports_cpu_s": float(m[4])}
        for m in _WORKER.finditer(proc.stderr)
    ]
    return {
        "jobs": jobs,
        "load_average_at_start": load,
        "wall_s": wall,
        "parent_cpu_s": measured["parent_cpu_s"],
        # Everything but the command's own process: workers, the fork server, the tracker.
        "workers_cpu_s": max(tree - measured["parent_cpu_s"], measured["children_cpu_s"]),
        "workers": workers,
        "stdout": proc.stdout,
    }


def main() -> None:
    args = c.parse_args(
        __doc__.splitlines()[0],
        lambda p: p.add_argument(
            "--rounds", type=int, default=3, help="rounds of --jobs 1 then --jobs 2 (default 3)"
        ),
    )
    c.adopt_orphans()
    directory = c.bench_catalog()
    n = 300 if args.quick else 2000
    reports = c.make_reports(directory, n)
    tmp = Path(tempfile.mkdtemp(prefix="partsagent-jobs-cpu-"))
    batch, one = tmp / "batch.jsonl", tmp / "one.jsonl"
    lines = [orjson.dumps({"vehicle": r.vehicle, "damaged_parts": r.damage}) for r in reports]
    batch.write_bytes(b"\n".join(lines) + b"\n")
    one.write_bytes(lines[0] + b"\n")
    runs: list[tuple[str, dict[str, Any]]] = []
    inputs = [("1 report", one)] + [(f"{n} reports", batch)] * args.rounds
    for label, path in inputs:
        for jobs in (1, 2):
            print(f"  {label}, --jobs {jobs}...", flush=True)
            runs.append((label, run(path, directory, jobs)))
    one, two = (c.without_performance(r["stdout"]) for _, r in runs[2:4])
    same = one == two
    rows = []
    for label, r in runs:
        start = sum(w["start_cpu_s"] for w in r["workers"])
        work = sum(w["reports_cpu_s"] for w in r["workers"])
        rows.append(
            [
                label,
                r["jobs"],
                round(r["wall_s"], 2),
                round(r["parent_cpu_s"], 2),
                round(r["workers_cpu_s"], 2),
                round(start, 2) if r["workers"] else "-",
                round(work, 2) if r["workers"] else "-",
                round(r["workers_cpu_s"] - start - work, 2) if r["workers"] else "-",
                " / ".join(str(w["reports"]) for w in r["workers"]) or "-",
                round(r["load_average_at_start"], 1),
            ]
        )
    c.print_table(
        f"CPU of `report --batch --jobs N`, scale-{c.CATALOG_SCALE} catalog, no latency "
        f"({os.cpu_count()} cores)",
        [
            "input",
            "jobs",
            "wall s",
            "parent CPU s",
            "workers CPU s",
            "worker starts s",
            "worker reports s",
            "worker other s",
            "reports per worker",
            "load",
        ],
        rows,
    )
    ratios = [runs[i][1]["wall_s"] / runs[i + 1][1]["wall_s"] for i in range(2, len(runs), 2)]
    print(
        f"--jobs 2 vs --jobs 1 wall, by round: {', '.join(f'{x:.2f}x' for x in ratios)}; "
        f"lines identical (performance aside): {same}"
    )
    best = max(ratios)
    targets = [
        c.target("--jobs 2 vs --jobs 1 wall (best round)", round(best, 2), ">= 1.7x", best >= 1.7),
        c.target("lines identical to --jobs 1 (performance aside)", float(same), "1", same),
    ]
    c.print_targets(targets)
    c.write_result(
        "jobs_cpu",
        {"reports": n, "catalog": {"scale": c.CATALOG_SCALE, **c.catalog_counts(directory)}},
        {
            "runs": [
                {"input": label, **{k: v for k, v in r.items() if k != "stdout"}}
                for label, r in runs
            ],
            "wall_ratios_jobs_2": [round(x, 2) for x in ratios],
            "identical_lines": same,
        },
        targets,
    )


if __name__ == "__main__":
    main()
