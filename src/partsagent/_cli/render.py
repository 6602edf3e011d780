"""The report as the CLI prints it: header, parts, operations, totals, what was not priced,
warnings, performance."""

from __future__ import annotations

from decimal import Decimal

from .._models import Position
from .._pricing.report import PartsReport, ReportWarning, UnreadPhrase
from .._table import render_table

__all__ = ["render_not_priced", "render_report"]

_WHY = {
    "no_part": "names no part",
    "not_in_catalog": "no such category",
    "low_confidence": "not sure enough",
    "undamaged": "said to be undamaged",
    "pre_existing": "pre-existing damage",
    "operation": "work only, not damaged",
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


def _where(position: Position) -> str:
    return " ".join(b for b in (position.axle, position.side) if b) or "-"


def _head(report: PartsReport) -> str:
    v = report.vehicle
    build = v.build
    priced = (
        f"priced for {len(build.variants)} of {len(v.variants)} variants, {build.body}"
        if build is not None and len(build.variants) < len(v.variants)
        else f"{len(v.variants)} variants"
    )
    name = f"{v.manufacturer.name} {v.model.name} {v.year or ''}"
    return f"{name} ({priced}; resolved by {v.resolved_by})"


def _parts(report: PartsReport) -> str:
    rows = [
        (
            i,
            line.reason,
            line.category.market_name or line.category.name,
            _where(line.position),
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
    headers = ["#", "reason", "part", "position", "damage", "brand", "article no", "quality"]
    return render_table([*headers, "qty", "price", "total"], rows, align="rlllllllrrr")


def _operations(report: PartsReport) -> str:
    rows = [
        (
            op.operation.replace("_", "/"),
            op.category.market_name or op.category.name,
            _where(op.position),
            op.hours,
            op.amount.amount,
            "-" if op.line is None else op.line + 1,
            op.description,
        )
        for op in report.operations
    ]
    headers = ["operation", "part", "position", "hours", "amount", "line", "what"]
    return render_table(headers, rows, align="lllrrrl")


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _totals(report: PartsReport) -> str:
    t = report.totals
    r = report.rates
    tax = r.tax_name if r is not None else "tax"
    per_hour = f" x {r.paint_materials_rate.amount}" if r is not None else ""
    rows: list[tuple[str, Decimal, str]] = [
        ("parts", t.parts.amount, ""),
        ("consumables", t.consumables.amount, ""),
        ("labour", t.labour.amount, f"{t.labour_hours} h labour, {t.refinish_hours} h refinish"),
        ("paint materials", t.paint_materials.amount, f"{t.refinish_hours} h{per_hour}"),
        ("sublet", t.sublet.amount, ""),
        ("net", t.net.amount, ""),
        (f"{tax} {_percent(t.tax_rate)}", t.tax.amount, _tax_base(report)),
        ("total", t.total.amount, t.total.currency),
    ]
    return render_table(["totals", t.total.currency, ""], rows, align="lrl")


def _unpriced(report: PartsReport) -> list[str]:
    """The parts an incomplete report could not price: named, never "no parts to buy"."""
    if not report.unpriced:
        return []
    rows = [f"  - {u.part}{_where_of(u.position)}: {u.reason}" for u in report.unpriced]
    return ["", "could not price (part of the catalog could not be read):", *rows]


def _where_of(position: Position) -> str:
    where = _where(position)
    return f" ({where})" if where and where != "-" else ""


_TAXABLE_LABELS = {"paint_materials": "paint materials"}


def _tax_base(report: PartsReport) -> str:
    """What the tax is charged on, so that rate x base = tax can be checked on the page."""
    t, r = report.totals, report.rates
    if r is None:
        return ""
    base = sum((getattr(t, name).amount for name in r.taxable), Decimal(0))
    what = ", ".join(_TAXABLE_LABELS.get(n, n) for n in r.taxable)
    return f"{_percent(t.tax_rate)} x {base} taxable ({what})"


def _alarm(warning: ReportWarning, report: PartsReport) -> bool:
    """A warning said before the figures: the report is incomplete, or may be a total loss."""
    return (warning.code == "incomplete_report" and not report.complete) or (
        warning.code == "total_loss" and report.total_loss
    )


def render_report(report: PartsReport, *, performance: bool = True) -> str:
    """The report's tables; ``performance=False`` leaves out the timings line."""
    if report.lines:
        parts = _parts(report)
    elif report.complete:
        parts = "no parts to buy: every part is repaired or refinished"
    else:
        parts = "no parts priced: part of the catalog could not be read"
    # An incomplete report and a possible total loss are said first, before any figure.
    alarms = [w for w in report.coded_warnings if _alarm(w, report)]
    warnings = [w.message for w in report.coded_warnings if w not in alarms]
    out = [_head(report), ""]
    for alarm in alarms:
        out += [f"!! {alarm.message}", ""]
    out.append(parts)
    out += _unpriced(report)
    if report.operations:
        out += ["", _operations(report)]
    out += ["", _totals(report), "", f"confidence {report.confidence:.2f}"]
    out += render_not_priced(report)
    if warnings:
        out += ["", "warnings:", *(f"  - {w}" for w in warnings)]
    if not performance:
        return "\n".join(out)
    p = report.performance
    tools = {k: v for k, v in p.get("tools", {}).items() if k.startswith("tool.")}
    slowest = sorted(tools.items(), key=lambda kv: -kv[1]["total_ms"])[:3]
    out += [
        "",
        f"performance: {p['total_ms']:.1f} ms, report cache {p['report_cache']}, "
        f"{p['catalog_requests']} catalog requests, {p['cache_hits']} cache hits, "
        f"{p['cache_misses']} misses"
        + (f" ({shared} from the shared cache)" if (shared := p.get("shared_cache_hits")) else "")
        + (
            "; " + ", ".join(f"{name} {op['total_ms']:.1f} ms" for name, op in slowest)
            if slowest
            else ""
        ),
    ]
    return "\n".join(out)
