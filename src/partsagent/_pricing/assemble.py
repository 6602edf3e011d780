"""Pricing a plan: articles searched for every need at once, then one report assembled.

A line takes the best-ranked article (fits every variant, then OE, OES,
aftermarket, then price) and up to ``max_alternatives`` others; lines are put
in a canonical order so that equivalent inputs give identical reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from .._catalog.manager import ArticleRequest, BucketManager
from .plan import Need, Plan
from .report import (
    Alternative,
    ArticleRef,
    Money,
    PartsReport,
    Ref,
    ReportLine,
    ReportVehicle,
    Totals,
)
from .search import ArticleOption, PartNeed, PartOptions, search_parts

__all__ = ["in_their_words", "price_plan"]

_REASON_ORDER = {"damaged": 0, "secondary": 1, "consumable": 2}


async def price_plan(
    catalog: BucketManager,
    plan: Plan,
    *,
    planner: str,
    max_alternatives: int,
    warm_vehicle: bool,
) -> tuple[PartsReport, bool]:
    """Search articles for every need at once and assemble the report; True if complete."""
    r = plan.resolution
    needs = _dedupe(plan.needs)
    variant_ids = [v.id for v in r.variants]
    wanted = [PartNeed(category_id=n.category.id, position=n.position) for n in needs]
    mid = plan.manufacturer.id
    if warm_vehicle and catalog.source.batch_supported:
        # The report's own keys first, in the requests it waits for; the rest of the
        # vehicle in requests of its own, which the report does not wait for.
        await catalog.prefetch_articles(
            ArticleRequest(mid, vid, w.category_id) for vid in variant_ids for w in wanted
        )
        await catalog.prefetch_articles(
            await _vehicle_articles(catalog, mid, variant_ids), background=True
        )
    options = await search_parts(catalog, mid, variant_ids, wanted)
    warnings = [*_vehicle_warnings(plan), *plan.warnings]
    lines: list[ReportLine] = []
    failed = plan.incomplete
    for need, opts in zip(needs, options, strict=True):
        line = _line(need, opts, max_alternatives)
        if opts.errors:
            failed = True
            warnings.append(
                f"could not read every catalog list for {need.category.name}: {opts.errors[0]}"
            )
        if line is None:
            if not opts.errors:
                warnings.append(
                    f"no article in the catalog fits {need.category.name}"
                    f"{_where(need)} on this vehicle ({need.component})"
                )
            continue
        chosen_side = line.position.side or opts.options[0].article.position.side
        if need.position.side is None and chosen_side is not None:
            warnings.append(
                f"{need.category.name}: no side given for {need.component!r}; priced the "
                f"{chosen_side} one; say left or right (N/S, O/S) to be sure"
            )
            line = line.model_copy(update={"confidence": round(line.confidence * 0.7, 3)})
        if len(line.fits_variants) < len(variant_ids):
            warnings.append(
                f"{need.category.name}{_where(need)}: the chosen article fits variants "
                f"{', '.join(line.fits_variants)} only; give the VIN or variant to confirm"
            )
        lines.append(line)
    # A canonical order, so equivalent inputs (in any order) give identical reports.
    lines.sort(
        key=lambda ln: (
            _REASON_ORDER[ln.reason],
            ln.category.id,
            ln.position.axle or "",
            ln.position.side or "",
        )
    )
    totals = _totals(lines)
    confidence = (
        round(min(r.score, sum(ln.confidence for ln in lines) / len(lines)), 3) if lines else 0.0
    )
    report = PartsReport(
        vehicle=_report_vehicle(plan),
        lines=tuple(lines),
        totals=totals,
        confidence=confidence,
        warnings=tuple(dict.fromkeys(warnings)),
        planner="llm" if planner == "llm" else "rules",
        trace=tuple(plan.trace),
        performance={"llm_usage": dict(plan.usage)} if plan.usage else {},
    )
    return report, not failed


async def _vehicle_articles(
    catalog: BucketManager, mid: str, variant_ids: list[str]
) -> list[ArticleRequest]:
    """Every (variant, category) of the vehicle; its category lists are already cached."""
    results = await catalog.get_categories_concurrent([(mid, v) for v in variant_ids])
    return [ArticleRequest(mid, r.request[1], c.id) for r in results for c in (r.value or ())]


def _line(need: Need, opts: PartOptions, max_alternatives: int) -> ReportLine | None:
    if not opts.options:
        return None
    best, *rest = opts.options
    a = best.article
    price = Money(amount=a.price.amount, currency=a.price.currency)
    alternatives = tuple(_alternative(o, best) for o in rest[:max_alternatives])
    fit = 1.0 if best.fits_all else 0.7
    return ReportLine(
        component=need.component,
        reason=need.reason,
        category=need.category,
        position=need.position,
        article=_ref(best),
        price=price,
        quantity=need.quantity,
        line_total=Money(amount=a.price.amount * need.quantity, currency=a.price.currency),
        why=need.why,
        source=need.source,
        confidence=round(need.confidence * fit, 3),
        fits_variants=best.fits_variants,
        alternatives=alternatives,
    )


def _report_vehicle(plan: Plan) -> ReportVehicle:
    r = plan.resolution
    return ReportVehicle(
        manufacturer=Ref(id=plan.manufacturer.id, name=plan.manufacturer.name),
        model=Ref(id=plan.model.id, name=plan.model.name),
        year=r.year,
        variants=tuple(r.variants),
        resolved_by=r.resolved_by,
        vin=r.vin.vin if r.vin is not None else None,
        notes=tuple(r.notes),
    )


_NO_YEAR = "no year given: "
_CHECK_DIGIT = "the VIN's check digit "


def _vehicle_warnings(plan: Plan) -> list[str]:
    """What the caller should know about their vehicle: shown with the report, not only in notes."""
    r = plan.resolution
    warnings = []
    if r.year is None:
        warnings.append(
            f"{_NO_YEAR}priced across all {len(r.variants)} variants of {plan.model.name}; "
            "give the year (or the VIN) to price the right one"
        )
    if r.vin is not None and not r.vin.check_digit_valid:
        warnings.append(
            f"{_CHECK_DIGIT}(9th character of {r.vin.vin}) does not match: European VINs often "
            "carry none, otherwise check the VIN for a typing error"
        )
    return warnings


def in_their_words(report: PartsReport, plan: Plan) -> PartsReport:
    """A report shared through the cache speaks of this caller's vehicle and words.

    The parts and prices are the shared ones; how the vehicle was resolved, and
    what each line says it was for, come from this caller's own plan.
    """
    said = {(n.category.id, n.position): n for n in _dedupe(plan.needs)}
    lines = []
    for ln in report.lines:
        need = said.get((ln.category.id, ln.position))
        if need is None or (need.component, need.why) == (ln.component, ln.why):
            lines.append(ln)
        else:
            lines.append(ln.model_copy(update={"component": need.component, "why": need.why}))
    # The vehicle warnings are this caller's too: a shared report may come from another VIN.
    warnings = _vehicle_warnings(plan) + [
        w for w in report.warnings if not w.startswith((_NO_YEAR, _CHECK_DIGIT))
    ]
    return report.model_copy(
        update={
            "lines": tuple(lines),
            "vehicle": _report_vehicle(plan),
            "warnings": tuple(dict.fromkeys(warnings)),
        }
    )


def _where(need: Need) -> str:
    bits = [b for b in (need.position.axle, need.position.side) if b]
    return f" ({' '.join(bits)})" if bits else ""


def _ref(option: ArticleOption) -> ArticleRef:
    a = option.article
    return ArticleRef(
        id=a.id, article_no=a.article_no, brand=a.brand, name=a.name, quality=a.quality
    )


def _alternative(option: ArticleOption, best: ArticleOption) -> Alternative:
    a = option.article
    return Alternative(
        article=_ref(option),
        price=Money(amount=a.price.amount, currency=a.price.currency),
        price_difference=Money(
            amount=a.price.amount - best.article.price.amount, currency=a.price.currency
        ),
        fits_all_variants=option.fits_all,
    )


def _dedupe(needs: Sequence[Need]) -> list[Need]:
    """One need per (category, position): damaged beats secondary beats consumable."""
    chosen: dict[tuple[str, str | None, str | None], Need] = {}
    for need in needs:
        slot = (need.category.id, need.position.axle, need.position.side)
        old = chosen.get(slot)
        if (
            old is None
            or _REASON_ORDER[need.reason] < _REASON_ORDER[old.reason]
            or old.reason == need.reason
            and need.quantity > old.quantity
        ):
            chosen[slot] = need
    return list(chosen.values())


def _totals(lines: Sequence[ReportLine]) -> Totals:
    currency = lines[0].price.currency if lines else "GBP"
    parts = sum((ln.line_total.amount for ln in lines if ln.reason != "consumable"), Decimal("0"))
    consumables = sum(
        (ln.line_total.amount for ln in lines if ln.reason == "consumable"), Decimal("0")
    )
    return Totals(
        parts=Money(amount=parts, currency=currency),
        consumables=Money(amount=consumables, currency=currency),
        total=Money(amount=parts + consumables, currency=currency),
        lines=len(lines),
    )
