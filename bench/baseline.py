"""The design partsagent replaces, rebuilt faithfully: synchronous, requests, LRU dict, 4 threads.

What it was (and what this class does, without handicaps):

* one ``requests.Session`` (keep-alive connections, pooled for the worker threads);
* an ``OrderedDict`` LRU of parsed JSON documents (1000 entries), shared by the threads
  under a lock;
* ``get_manufacturer_id`` / ``get_models_for_manufacturer`` /
  ``load_categories_for_variant`` / ``get_articles_for_category``, one plain-JSON-file
  GET each (it predates the batch endpoint);
* a ``ThreadPoolExecutor(4)`` for the article look-ups of a report;
* warming of the top 3 variants (their category lists, fetched in the pool) as soon
  as the vehicle is known;
* reports processed one after another.

``ReplacedPartsAgent.as_deployed()`` is the same design as it was deployed later,
the peer bench/versus.py races as well: 5 report threads share the LRU and the
session (``run_threaded``), each report fetches its look-ups one after another,
and reports price the damaged categories only (no secondary parts or
consumables) on the top 3 variants. It does about a third of partsagent's work
per report.

The mapping work is the same as partsagent's, borrowed from its pure functions
(``match_component`` and the propagation rules), and the article choice ranks the
same way (fits every variant, then OE, OES, aftermarket, then price), so both
designs do the same work for a report.

Run it alone: ``python bench/baseline.py [--quick]`` (cold and warm report times of
the replaced design); ``bench/versus.py`` races it against partsagent.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter

import _common as c
from partsagent import Position
from partsagent.catalog import Category
from partsagent.testing import MappedDamage, analyze_damage_propagation, match_component

T = TypeVar("T")

REPORT_THREADS = 5
"""Reports at once in the deployed design: as many as partsagent's requests on the wire."""

_QUALITY_RANK = {"OE": 0, "OES": 1, "aftermarket": 2}
_REASON_ORDER = {"damaged": 0, "secondary": 1, "consumable": 2}


def _norm(text: str) -> str:
    return " ".join(text.upper().replace("-", " ").split())


def _run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Drive a coroutine that never awaits anything (the rules are pure) without a loop."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coro.close()
    raise RuntimeError("the coroutine awaited something; it needs an event loop")


def _admits(need: Position, axle: str | None, side: str | None) -> bool:
    return (need.axle is None or axle in (None, need.axle)) and (
        need.side is None or side in (None, need.side)
    )


class ReplacedPartsAgent:
    """The synchronous design: one report at a time, 4 threads for its article look-ups."""

    def __init__(
        self,
        base_url: str,
        *,
        cache_size: int = 1000,
        workers: int = 4,
        warm_variants: int = 3,
        timeout: float = 10.0,
        top_variants: int | None = None,
        propagate: bool = True,
        threaded_lookups: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(workers, REPORT_THREADS) + 1)
        self.session.mount("http://", adapter)
        self.timeout = timeout
        self.cache_size = cache_size
        self.cache: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.executor = ThreadPoolExecutor(max_workers=workers)
        self.warm_variants = warm_variants
        self.top_variants = top_variants
        self.propagate = propagate
        self.threaded_lookups = threaded_lookups
        self.hits = 0
        self.misses = 0
        self.requests = 0

    @classmethod
    def as_deployed(cls, base_url: str) -> ReplacedPartsAgent:
        """The design as deployed: top 3 variants, damaged parts only, run by 5 report threads."""
        return cls(base_url, top_variants=3, propagate=False, threaded_lookups=False)

    def run_threaded(
        self, reports: Sequence[c.Report], threads: int = REPORT_THREADS
    ) -> list[dict[str, Any]]:
        """Process ``reports`` with ``threads`` reports at once, sharing the LRU and session."""
        with ThreadPoolExecutor(max_workers=threads) as pool:
            return list(
                pool.map(lambda r: self.process_damage_report(r.vehicle, r.damage), reports)
            )

    def _map(self, fn: Any, items: Sequence[Any]) -> list[Any]:
        """In the pool (one report at a time) or in the calling report thread, one by one."""
        if self.threaded_lookups:
            return list(self.executor.map(fn, items))
        return [fn(item) for item in items]

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.session.close()

    def __enter__(self) -> ReplacedPartsAgent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the LRU and the fetch --------------------------------------------------------

    def _get(self, path: str) -> Any:
        with self.lock:
            if path in self.cache:
                self.cache.move_to_end(path)
                self.hits += 1
                return self.cache[path]
            self.misses += 1
            self.requests += 1
        resp = self.session.get(self.base_url + path, timeout=self.timeout)
        if resp.status_code == 404:
            data: Any = None
        else:
            resp.raise_for_status()
            data = resp.json()
        with self.lock:
            self.cache[path] = data
            self.cache.move_to_end(path)
            while len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)
        return data

    def cache_stats(self) -> dict[str, Any]:
        lookups = self.hits + self.misses
        return {
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate_percent": round(100.0 * self.hits / lookups, 2) if lookups else 0.0,
            "size": len(self.cache),
        }

    # -- the four look-ups --------------------------------------------------------------

    def get_manufacturer_id(self, make: str) -> str:
        wanted = _norm(make)
        for m in self._get("manufacturers.json"):
            if wanted in {_norm(n) for n in (m["name"], *m["aliases"])}:
                return str(m["id"])
        raise KeyError(f"unknown make {make!r}")

    def get_models_for_manufacturer(self, mid: str) -> list[dict[str, Any]]:
        models: list[dict[str, Any]] = self._get(f"manufacturers/{mid}/models.json")
        return models

    def load_categories_for_variant(self, mid: str, vid: str) -> list[dict[str, Any]]:
        cats: list[dict[str, Any]] | None = self._get(
            f"manufacturers/{mid}/variants/{vid}/categories.json"
        )
        return cats or []

    def get_articles_for_category(self, mid: str, vid: str, cid: str) -> list[dict[str, Any]]:
        arts: list[dict[str, Any]] | None = self._get(
            f"manufacturers/{mid}/variants/{vid}/categories/{cid}/articles.json"
        )
        return arts or []

    def warm_cache(self, mid: str, variants: Sequence[dict[str, Any]]) -> None:
        """Load the category lists of the top variants in the pool, ahead of need."""
        top = variants[: self.warm_variants]
        self._map(lambda v: self.load_categories_for_variant(mid, v["id"]), top)

    # -- a report ------------------------------------------------------------------------

    def process_damage_report(
        self, vehicle: dict[str, Any], damaged_parts: Sequence[dict[str, str]]
    ) -> dict[str, Any]:
        mid = self.get_manufacturer_id(vehicle["make"])
        models = self.get_models_for_manufacturer(mid)
        wanted = _norm(vehicle["model"])
        model = next(m for m in models if _norm(m["name"]) == wanted)
        year = vehicle.get("year")
        variants = [
            v
            for v in model["variants"]
            if year is None or v["year_from"] <= year <= (v["year_to"] or 9999)
        ][: self.top_variants]
        self.warm_cache(mid, variants)
        union: dict[str, dict[str, Any]] = {}
        for v in variants:
            for cat in self.load_categories_for_variant(mid, v["id"]):
                union.setdefault(cat["id"], cat)
        categories = tuple(Category.model_validate(x) for x in sorted(union.values(), key=_id))
        by_name = {c.name.casefold(): c for c in categories}

        needs: list[dict[str, Any]] = []
        mapped: list[MappedDamage] = []
        warnings: list[str] = []
        for part in damaged_parts:
            match = match_component(part["component"], categories)
            if match.category is None:
                warnings.append(f"could not match {part['component']!r}")
                continue
            needs.append(
                {
                    "component": part["component"],
                    "reason": "damaged",
                    "category_id": match.category.id,
                    "category": match.category.name,
                    "position": match.position,
                    "quantity": 1,
                }
            )
            mapped.append(
                MappedDamage(
                    component=part["component"],
                    category_name=match.category.name,
                    position=match.position,
                    severity=part["severity"],
                )
            )
        additions = _run_sync(analyze_damage_propagation(mapped)) if self.propagate else []
        for add in additions:
            category = by_name.get(add.category_name.casefold())
            if category is not None:
                needs.append(
                    {
                        "component": add.triggered_by,
                        "reason": add.reason,
                        "category_id": category.id,
                        "category": category.name,
                        "position": add.position,
                        "quantity": add.quantity,
                    }
                )
        needs = _dedupe(needs)

        cids = list(dict.fromkeys(n["category_id"] for n in needs))
        pairs = [(v["id"], cid) for v in variants for cid in cids]
        lists = self._map(lambda p: self.get_articles_for_category(mid, p[0], p[1]), pairs)
        articles = dict(zip(pairs, lists, strict=True))

        lines: list[dict[str, Any]] = []
        for need in needs:
            best = self._best(need, [v["id"] for v in variants], articles)
            if best is None:
                warnings.append(f"no article fits {need['category']}")
                continue
            price = Decimal(best["price"]["amount"])
            lines.append(
                {
                    "component": need["component"],
                    "reason": need["reason"],
                    "category": need["category"],
                    "article_id": best["id"],
                    "brand": best["brand"],
                    "price": price,
                    "quantity": need["quantity"],
                    "line_total": price * need["quantity"],
                }
            )
        lines.sort(key=lambda ln: _REASON_ORDER[ln["reason"]])
        return {
            "vehicle": {"manufacturer_id": mid, "model_id": model["id"], "year": year},
            "lines": lines,
            "total": sum((ln["line_total"] for ln in lines), Decimal("0")),
            "warnings": warnings,
        }

    @staticmethod
    def _best(
        need: dict[str, Any],
        variant_ids: Sequence[str],
        articles: dict[tuple[str, str], list[dict[str, Any]]],
    ) -> dict[str, Any] | None:
        fits: dict[str, list[str]] = {}
        found: dict[str, dict[str, Any]] = {}
        pos: Position = need["position"]
        for vid in variant_ids:
            for a in articles[(vid, need["category_id"])]:
                if _admits(pos, a["position"]["axle"], a["position"]["side"]):
                    found.setdefault(a["id"], a)
                    fits.setdefault(a["id"], []).append(vid)
        if not found:
            return None

        def rank(aid: str) -> tuple[int, int, Decimal, str]:
            a = found[aid]
            return (
                0 if len(fits[aid]) == len(variant_ids) else 1,
                _QUALITY_RANK[a["quality"]],
                Decimal(a["price"]["amount"]),
                aid,
            )

        return found[min(found, key=rank)]


def _id(c: dict[str, Any]) -> str:
    return str(c["id"])


def _dedupe(needs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One need per (category, position): damaged beats secondary beats consumable."""
    chosen: dict[tuple[str, str | None, str | None], dict[str, Any]] = {}
    for need in needs:
        pos: Position = need["position"]
        slot = (need["category_id"], pos.axle, pos.side)
        old = chosen.get(slot)
        if old is None or _REASON_ORDER[need["reason"]] < _REASON_ORDER[old["reason"]]:
            chosen[slot] = need
    return list(chosen.values())


def main() -> None:
    args = c.parse_args("the replaced synchronous design on its own")
    c.quiet_logs()
    directory = c.bench_catalog()
    n = 20 if args.quick else 60
    reports = c.make_reports(directory, n)
    with c.catalog_server(directory) as server, ReplacedPartsAgent(server.url) as agent:
        c.reset_stats(server.url)
        cold: list[float] = []
        for r in reports:
            t0 = time.perf_counter()
            agent.process_damage_report(r.vehicle, r.damage)
            cold.append((time.perf_counter() - t0) * 1000)
        requests_cold = c.server_stats(server.url)["total"]
        c.reset_stats(server.url)
        t0 = time.perf_counter()
        agent.process_damage_report(c.SEED_VEHICLE, c.SEED_DAMAGE)
        seed_cold = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        agent.process_damage_report(c.SEED_VEHICLE, c.SEED_DAMAGE)
        seed_warm = (time.perf_counter() - t0) * 1000
        stats = agent.cache_stats()
    summary = c.latency_summary(cold)
    c.print_table(
        f"replaced design: {n} distinct reports, one after another",
        ["measure", "value"],
        [
            ["reports", n],
            ["wall time (s)", round(sum(cold) / 1000, 2)],
            ["p50 report (ms)", summary["p50_ms"]],
            ["p95 report (ms)", summary["p95_ms"]],
            ["catalog requests", requests_cold],
            ["seed report cold (ms)", round(seed_cold, 1)],
            ["seed report again (ms)", round(seed_warm, 1)],
            ["LRU hit rate (%)", stats["hit_rate_percent"]],
        ],
    )
    c.write_result(
        "baseline",
        {**c.common_params(directory), "reports": n, "workers": 4, "lru_size": 1000},
        {
            "latency": summary,
            "catalog_requests": requests_cold,
            "seed_cold_ms": round(seed_cold, 3),
            "seed_repeat_ms": round(seed_warm, 3),
            "cache": stats,
        },
    )


if __name__ == "__main__":
    main()
