"""The report as the CLI prints it: a header, the lines, the totals, warnings and performance."""

from __future__ import annotations

from .._pricing.report import PartsReport
from .._table import render_table

__all__ = ["render_report"]


def render_report(report: PartsReport) -> str:
    rows = [
        (
            i,
            line.reason,
            line.category.name,
            " ".join(b for b in (line.position.axle, line.position.side) if b) or "-",
            line.article.brand,
            line.article.article_no,
            line.article.quality,
            line.quantity,
            line.price.amount,
            line.line_total.amount,
        )
        for i, line in enumerate(report.lines, 1)
    ]
    v = report.vehicle
    head = (
        f"{v.manufacturer.name} {v.model.name} {v.year or ''} "
        f"({len(v.variants)} variants; resolved by {v.resolved_by})"
    )
    table = render_table(
        [
            "#",
            "reason",
            "part",
            "position",
            "brand",
            "article no",
            "quality",
            "qty",
            "price",
            "total",
        ],
        rows,
        align="rllllllrrr",
    )
    t = report.totals
    cur = t.total.currency
    out = [
        head,
        "",
        table,
        "",
        f"parts {t.parts.amount} {cur}   consumables {t.consumables.amount} {cur}   "
        f"total {t.total.amount} {cur}   confidence {report.confidence:.2f}",
    ]
    if report.warnings:
        out += ["", "warnings:", *(f"  - {w}" for w in report.warnings)]
    p = report.performance
    tools = {k: v for k, v in p.get("tools", {}).items() if k.startswith("tool.")}
    slowest = sorted(tools.items(), key=lambda kv: -kv[1]["total_ms"])[:3]
    out += [
        "",
        f"performance: {p['total_ms']:.1f} ms, report cache {p['report_cache']}, "
        f"{p['catalog_requests']} catalog requests, {p['cache_hits']} cache hits, "
        f"{p['cache_misses']} misses"
        + (
            "; " + ", ".join(f"{name} {op['total_ms']:.1f} ms" for name, op in slowest)
            if slowest
            else ""
        ),
    ]
    return "\n".join(out)
