"""Prices and totals: every amount a Decimal rounded once, half-up, to the minor unit.

An operation's amount is its hours times its rate (labour for replace,
remove/refit and repair; paint for refinish and blend), rounded once; a
sublet is its fixed price. Paint materials are the refinish hours times the
materials rate, rounded once; tax is the taxed totals times the tax rate,
rounded once. Every other figure is a sum of rounded amounts, so the parts add
up exactly: ``net`` = parts + consumables + labour + paint materials + sublet,
``total`` = net + tax.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from ..._exceptions import UsageError
from ..report import (
    AppliedRates,
    CategoryRef,
    Money,
    Operation,
    OperationKind,
    ReportLine,
    Totals,
)
from ._data import round_money
from ._work import Work
from .rates import PricedMarket, Taxable

__all__ = ["applied_rates", "estimate_totals", "price_work"]

_LABOUR: frozenset[OperationKind] = frozenset({"replace", "remove_refit", "repair"})
_PAINT: frozenset[OperationKind] = frozenset({"refinish", "blend"})


def _money(amount: Decimal, rates: PricedMarket) -> Money:
    return Money.of(amount, rates.currency)


def price_work(
    works: Sequence[Work],
    rates: PricedMarket,
    named: Callable[[CategoryRef], CategoryRef] | None = None,
) -> list[Operation]:
    """The report's operations: each work item with its rate and amount.

    ``named``: the category as the report names it (the market's word), if not as is.
    """
    out = []
    for w in works:
        if w.kind == "sublet" and w.sublet_of is not None:
            # Asked in the words, with no price of its own: the in-house time stands in.
            hourly = rates.labour_rate if w.sublet_of in _LABOUR else rates.paint_rate
            rate = None
            amount = round_money(w.hours * hourly, rates.minor_unit)
        elif w.kind == "sublet":
            assert w.sublet is not None  # validated with the rates (EstimateData)
            rate = None
            amount = round_money(rates.sublets[w.sublet], rates.minor_unit)
        else:
            hourly = rates.labour_rate if w.kind in _LABOUR else rates.paint_rate
            rate = _money(hourly, rates)
            amount = round_money(w.hours * hourly, rates.minor_unit)
        out.append(
            Operation(
                operation=w.kind,
                description=w.description,
                category=named(w.category) if named is not None else w.category,
                position=w.position,
                hours=w.hours,
                rate=rate,
                amount=_money(amount, rates),
                why=w.why,
                source=w.source,
                rule=w.rule,
                times=w.times,
                line=w.line,
            )
        )
    return out


def estimate_totals(
    lines: Sequence[ReportLine], operations: Sequence[Operation], rates: PricedMarket
) -> Totals:
    """The totals block; ``lines`` are already priced in ``rates.currency``.

    Never adds two currencies: an amount in another one is a bug upstream
    (every price is converted, or its article left out, before the totals).
    """
    amounts = [m for ln in lines for m in (ln.price, ln.line_total)]
    amounts += [o.amount for o in operations]
    others = {m.currency for m in amounts} - {rates.currency}
    if others:
        raise UsageError(
            f"totals in {rates.currency} cannot add amounts in {', '.join(sorted(others))}: "
            "a report has one currency (this is a bug in the pricing, please report it)"
        )
    zero = Decimal(0)
    parts = sum((ln.line_total.amount for ln in lines if ln.reason != "consumable"), zero)
    consumables = sum((ln.line_total.amount for ln in lines if ln.reason == "consumable"), zero)
    labour = sum((o.amount.amount for o in operations if o.operation in _LABOUR), zero)
    sublet = sum((o.amount.amount for o in operations if o.operation == "sublet"), zero)
    labour_hours = sum((o.hours for o in operations if o.operation in _LABOUR), Decimal("0.0"))
    refinish_hours = sum((o.hours for o in operations if o.operation in _PAINT), Decimal("0.0"))
    labour += sum((o.amount.amount for o in operations if o.operation in _PAINT), zero)
    materials = round_money(refinish_hours * rates.paint_materials_rate, rates.minor_unit)
    by_name: Mapping[Taxable, Decimal] = {
        "parts": parts,
        "consumables": consumables,
        "labour": labour,
        "paint_materials": materials,
        "sublet": sublet,
    }
    net = parts + consumables + labour + materials + sublet
    taxed = sum((by_name[t] for t in rates.tax.applies_to), zero)
    tax = round_money(taxed * rates.tax.rate, rates.minor_unit)

    def exact(amount: Decimal) -> Money:
        # A sum of amounts already at the minor unit: quantizing only sets the exponent
        # ("0.00", not "0"); the value does not change.
        return _money(round_money(amount, rates.minor_unit), rates)

    return Totals(
        parts=exact(parts),
        consumables=exact(consumables),
        labour=exact(labour),
        paint_materials=_money(materials, rates),
        sublet=exact(sublet),
        net=exact(net),
        tax_rate=rates.tax.rate,
        tax=_money(tax, rates),
        total=exact(net + tax),
        lines=len(lines),
        labour_hours=labour_hours,
        refinish_hours=refinish_hours,
    )


def applied_rates(market: str, rates: PricedMarket) -> AppliedRates:
    return AppliedRates(
        market=market,
        currency=rates.currency,
        labour_rate=_money(rates.labour_rate, rates),
        paint_rate=_money(rates.paint_rate, rates),
        paint_materials_rate=_money(rates.paint_materials_rate, rates),
        tax_name=rates.tax.name,
        tax_rate=rates.tax.rate,
        taxable=rates.tax.applies_to,
    )
