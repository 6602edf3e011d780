"""The report as the CLI prints it: a header, the lines, the totals, what was not priced,
warnings and performance."""

from __future__ import annotations

from .._pricing.report import PartsReport, UnreadPhrase
from .._table import render_table

__all__ = ["render_report"]

_WHY = {
    "no_part": "names no part",
    "not_in_catalog": "no such category",
    "low_confidence": "not sure enough",
    "undamaged": "said to be undamaged",
}


def _guesses(u: UnreadPhrase) -> str:
    shown = []
    for g in u.guesses[:3]:
        where = " ".join(b for b in (g.position.axle, g.position.side) if b)
        shown.append(f"{g.category_name}{f' ({where})' if where else ''} {g.confidence:.2f}")
    return ", ".join(shown) or "-"


def render_not_priced(report: PartsReport) -> list[str]:
    """The "not priced, please confirm" block: each phrase, why, and the best guesses."""
    if not report.not_priced:
        return []
    rows = [(u.phrase, _WHY[u.reason], _guesses(u)) for u in report.not_priced]
    table = render_table(["phrase", "why", "best guesses (confidence)"], rows, align="lll")
    notes = [f"  - {u.note}" for u in report.not_priced if u.reason != "no_part"]
    return ["", "not priced, please confirm:", table, *notes]


def render_report(report: PartsReport) -> str:
    rows = [
        (
            i,
            line.reason,
            line.category.market_name or line.category.name,
            " ".join(b for b in (line.position.axle, line.position.side) if b) or "-",
            line.severity.value if line.severity else "-",
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
            "damage",
            "brand",
            "article no",
            "quality",
            "qty",
            "price",
            "total",
        ],
        rows,
        align="rlllllllrrr",
    )
    t = report.totals
    cur = t.total.currency
    warnings = list(report.warnings)
    out = [head, ""]
    if report.total_loss and warnings:
        out += [f"!! {warnings.pop(0)}", ""]
    out += [
        table,
        "",
        f"parts {t.parts.amount} {cur}   consumables {t.consumables.amount} {cur}   "
        f"total {t.total.amount} {cur}   confidence {report.confidence:.2f}",
    ]
    out += render_not_priced(report)
    if warnings:
        out += ["", "warnings:", *(f"  - {w}" for w in warnings)]
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
