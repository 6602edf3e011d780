"""PNG charts from bench/results/*.json (whatever is there; a missing result is skipped).

* ``latency_vs_in_flight.png``: per-report p50/p95 latency and throughput by reports in
  flight (concurrency.json);
* ``cold_vs_cached.png``: the seed scenario cold, cached, paraphrased and for a seen
  vehicle, partsagent and the replaced design, log scale (cache.json);
* ``versus.png``: wall time and catalog requests on a static bucket and on the
  project's server: the replaced design (5 report threads), partsagent on the
  standard layout and on a packed bucket (versus.json);
* ``fan_out.png``: sequential vs bounded vs ideal fan-out (concurrency.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

import _common as c

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def load(name: str) -> dict[str, Any] | None:
    path = c.RESULTS_DIR / f"{name}.json"
    if not path.exists():
        print(f"plot.py: no {path.name}, skipped")
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def save(fig: Any, name: str) -> Path:
    path = c.RESULTS_DIR / name
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"wrote {path.relative_to(c.BENCH_DIR.parent)}")
    return path


def latency_vs_in_flight(data: dict[str, Any]) -> None:
    rows = data["results"]["in_flight"]
    k = [r["in_flight"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(k, [r["p50_ms"] for r in rows], "o-", label="p50 latency")
    ax.plot(k, [r["p95_ms"] for r in rows], "s--", label="p95 latency")
    ax.set_xscale("log")
    ax.set_xlabel("reports in flight")
    ax.set_ylabel("per-report latency (ms)")
    ax2 = ax.twinx()
    ax2.plot(k, [r["reports_per_s"] for r in rows], "^-", color="tab:green", label="throughput")
    ax2.set_ylabel("reports / s")
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper left")
    n = data["parameters"]["reports"]
    ax.set_title(f"{n} distinct cold reports, catalog 20 +- 5 ms, 5 requests at once")
    save(fig, "latency_vs_in_flight.png")


def cold_vs_cached(data: dict[str, Any]) -> None:
    res = data["results"]
    keys = ["cold", "cached", "paraphrased", "seen_vehicle"]
    x = range(len(keys))
    fig, ax = plt.subplots(figsize=(7, 4.2))
    width = 0.38
    pa = [res["partsagent_ms"][k] for k in keys]
    base = [res["replaced_ms"][k] for k in keys]
    ax.bar([i - width / 2 for i in x], pa, width, label="partsagent")
    ax.bar([i + width / 2 for i in x], base, width, label="replaced design")
    for i, v in enumerate(pa):
        ax.annotate(f"{v:.3g}", (i - width / 2, v), ha="center", va="bottom", fontsize=8)
    for i, v in enumerate(base):
        ax.annotate(f"{v:.3g}", (i + width / 2, v), ha="center", va="bottom", fontsize=8)
    ax.set_yscale("log")
    ax.set_xticks(list(x), [k.replace("_", " ") for k in keys])
    ax.set_ylabel("ms (median, log scale)")
    ax.set_title("seed scenario: cold vs cached")
    ax.legend()
    save(fig, "cold_vs_cached.png")


def versus(data: dict[str, Any]) -> None:
    """Where users deploy a catalog: static bucket and project's server, per catalog raced."""
    n = data["parameters"]["reports"]
    names = data["parameters"]["catalogs"]
    groups = {
        "static bucket\n(http.server)": (
            "static: replaced design, 5 report threads",
            "static: partsagent, 50 in flight, no packs",
            "static: partsagent, 50 in flight, packs",
        ),
        "project's server": (
            "replaced design, 5 report threads",
            "partsagent, 50 in flight",
            "partsagent, 50 in flight, packs",
        ),
    }
    labels = (
        "replaced design, 5 report threads",
        "partsagent, standard layout (batch endpoints on the server)",
        "partsagent, packed bucket",
    )
    colors = ("tab:gray", "tab:cyan", "tab:blue")
    width = 0.26
    fig, axes = plt.subplots(1, len(names), figsize=(9 * len(names), 4.6), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        phases = data["results"][name]["phases"]
        for j, (label, color) in enumerate(zip(labels, colors, strict=True)):
            xs, walls, notes = [], [], []
            for i, group in enumerate(groups.values()):
                phase = phases.get(group[j])
                if phase is None:
                    continue
                xs.append(i + (j - 1) * width)
                walls.append(phase["wall_s"])
                notes.append(f"{phase['wall_s']:.2f} s\n{phase['catalog_requests']} req")
            ax.bar(xs, walls, width, label=label, color=color)
            for x, wall, note in zip(xs, walls, notes, strict=True):
                ax.annotate(note, (x, wall), ha="center", va="bottom", fontsize=8)
        ax.set_xticks(range(len(groups)), list(groups))
        ax.set_ylabel("wall time (s), lower is better")
        ax.set_ylim(top=ax.get_ylim()[1] * 1.15)
        ax.legend(fontsize=8, loc="upper right")
        ax.set_title(f"{name}: {n} distinct cold reports, catalog 20 +- 5 ms away")
    save(fig, "versus.png")


def fan_out(data: dict[str, Any]) -> None:
    rows = data["results"]["fan_out"]
    labels = [str(r["n"]) for r in rows]
    x = range(len(rows))
    width = 0.27
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.bar([i - width for i in x], [r["sequential_ms"] for r in rows], width, label="sequential")
    ax.bar(list(x), [r["bounded_ms"] for r in rows], width, label="bounded at 5")
    ax.bar([i + width for i in x], [r["ideal_ms"] for r in rows], width, label="ideal ceil(n/5)")
    ax.set_xticks(list(x), labels)
    ax.set_xlabel("look-ups in the fan-out")
    ax.set_ylabel("ms (median)")
    ax.legend()
    ax.set_title("fan-out of catalog look-ups, 20 +- 5 ms each")
    save(fig, "fan_out.png")


def main() -> None:
    c.parse_args(__doc__.splitlines()[0])
    conc = load("concurrency")
    if conc is not None:
        latency_vs_in_flight(conc)
        fan_out(conc)
    cache = load("cache")
    if cache is not None:
        cold_vs_cached(cache)
    vs = load("versus")
    if vs is not None:
        versus(vs)


if __name__ == "__main__":
    main()
