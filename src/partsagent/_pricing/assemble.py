"""Pricing a plan: decide each part, search the bought ones at once, choose one build, estimate.

The policy decides which damaged parts are replaced (a parts line) and which
are only repaired or refinished (operations only). The bought parts are
searched over every variant in one fan-out; one build is chosen so that every
line fits all its variants; a line takes the best-ranked article for that
build (OE, OES, aftermarket, then price) and up to ``max_alternatives``
others: the same part at the same position, one per brand and quality, in
that order. Then the operations, the rates of the market and the totals.
Lines and operations are put in a canonical order so that equivalent inputs
give identical reports.

A damaged need read with less confidence than the price threshold is never
priced, whichever planner made it: it goes to ``not_priced`` with its guesses.
A line's confidence is the reading's; a line says the market's word for its
category (``category.market_name``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from .._catalog.manager import BucketManager
from .._markets import Market, load_markets
from .._models import Article, Axle, Category, Position, Price, Quality, Side
from .._reading.market import market_name, saloon
from .._reading.reader import PRICE_THRESHOLD, low_confidence
from .._reading.results import UnreadPhrase
from . import warming
from .estimate import (
    BuildChoice,
    BuildPreference,
    Decision,
    EstimateData,
    PricedMarket,
    Rates,
    applied_rates,
    choose_build,
    decide,
    estimate_totals,
    part_of,
    price_work,
    round_money,
    work_for,
)
from .estimate.labour import BodyClass
from .names import names_of
from .plan import Need, Plan
from .report import (
    Alternative,
    ArticleRef,
    Build,
    CategoryRef,
    Money,
    Operation,
    PartsReport,
    ReadDamage,
    Ref,
    ReportLine,
    ReportVehicle,
    Unpriced,
)
from .search import QUALITY_RANK, ArticleOption, PartNeed, PartOptions, search_parts

__all__ = [
    "INCOMPLETE",
    "TOTAL_LOSS",
    "Meaning",
    "in_their_words",
    "not_priced",
    "price_plan",
    "priced_needs",
    "without_words",
]

_REASON_ORDER = {"damaged": 0, "secondary": 1, "consumable": 2}


async def price_plan(
    catalog: BucketManager,
    plan: Plan,
    *,
    planner: str,
    max_alternatives: int,
    warm_vehicle: bool,
    market: str | Market = "GB",
    estimate: EstimateData | None = None,
) -> tuple[Meaning, bool]:
    """Decide, search, choose the build and price the estimate; True if complete.

    ``market``: a Market, or the code of a packaged one.

    Priced from the plan without its words: what comes back holds no word of
    the caller, and ``in_their_words`` makes it this caller's report.
    """
    # The facts of a part (a dent's size, "knocked loose") are read from its own words,
    # before they go; the cache key holds the sentences they come from (the plan's build).
    words = {_slot(n): n.component for n in priced_needs(plan) if n.reason == "damaged"}
    preference = plan.build or BuildPreference()
    plan = without_words(plan)
    data = estimate if estimate is not None else EstimateData.load()
    mkt = load_markets().get(market)
    r = plan.resolution
    mid = plan.manufacturer.id
    variant_ids = [v.id for v in r.variants]
    warnings: list[str] = []
    needs = _dedupe(priced_needs(plan))
    paint = [n for n in needs if data.policy.is_paint_material(n.category.name)]
    if paint:
        needs = [n for n in needs if n not in paint]
        warnings.append(
            f"{', '.join(n.category.name for n in paint)}: not bought as articles; paint "
            "materials are charged per refinish hour"
        )
    categories, failed = await _categories(catalog, mid, variant_ids)
    groups = {c.id: c.group for cats in categories.values() for c in cats}
    said = preference.said
    decisions = decide(needs, data, groups, said, words)
    warnings += [*said.safety, *(d.note for d in decisions if d.note)]
    bought = [d for d in decisions if d.bought]
    wanted = [PartNeed(category_id=d.need.category.id, position=d.need.position) for d in bought]
    if warm_vehicle and catalog.source.batch_supported and wanted:
        await warming.warm_vehicle(catalog, mid, variant_ids, wanted)
    options = await search_parts(catalog, mid, variant_ids, wanted) if wanted else []
    choice = choose_build(
        r.variants,
        preference,
        data.cues,
        [[frozenset(o.fits_variants) for o in opts.options] for opts in options],
    )
    warnings += choice.warnings
    build_ids = {v.id for v in choice.variants}
    fits = [[o for o in opts.options if build_ids <= set(o.fits_variants)] for opts in options]
    rates = data.rates.market(mkt)
    pricing = _Pricing(mkt.code, rates, data.rates)
    is_saloon = saloon(v.body for v in choice.variants)
    lines: list[ReportLine] = []
    unpriced: list[Unpriced] = []
    absent: set[int] = set()
    for decision, opts, fit in zip(bought, options, fits, strict=True):
        failed |= bool(opts.errors)
        if not fit and not opts.errors and decision.need.reason == "secondary":
            absent.add(id(decision))  # never named, and this build does not carry it
            continue
        word = market_name(decision.need.category.name, mkt, is_saloon=is_saloon)
        line = _bought(decision.need, opts, fit, pricing, choice, max_alternatives, warnings, word)
        if line is not None:
            lines.append(line)
        elif opts.errors:
            unpriced.append(_unpriced(decision.need, opts))
    # A canonical order, so equivalent inputs (in any order) give identical reports.
    lines.sort(key=_line_order)
    at = {(ln.category.id, ln.position.axle, ln.position.side): i for i, ln in enumerate(lines)}
    decisions = [d for d in decisions if id(d) not in absent]
    parts = [
        part_of(d, at.get((d.need.category.id, d.need.position.axle, d.need.position.side)), groups)
        for d in decisions
        if d.row is not None and d.included_in is None
    ]
    build, body_class = _build(choice, data, warnings)
    present = _present(categories, build_ids)
    # Equipment the words name counts whether or not the catalog lists it for the build.
    equipment = {e for v in choice.variants for e in v.equipment} | set(said.equipment)
    works, notes = work_for(parts, data, body_class, equipment, present, said)
    warnings += notes
    operations = [_named(op, mkt, is_saloon) for op in price_work(works, rates)]
    damaged = _damaged(decisions, at, mkt, is_saloon)
    complete = not (failed or plan.incomplete)
    if not complete:
        warnings.insert(0, _incomplete_warning(unpriced))
    report = PartsReport(
        vehicle=_report_vehicle(plan, build),
        lines=tuple(lines),
        operations=tuple(operations),
        totals=estimate_totals(lines, operations, rates),
        rates=applied_rates(mkt.code, rates),
        confidence=0.0,  # the reading's: put in by in_their_words
        warnings=tuple(dict.fromkeys(warnings)),
        damaged=damaged,
        market=mkt.code,
        planner="llm" if planner == "llm" else "rules",
        complete=complete,
        unpriced=tuple(unpriced),
    )
    return Meaning(report, escalate=said.escalate), complete


TOTAL_LOSS = "POSSIBLE TOTAL LOSS: "
"""The start of the first warning of a report that says the vehicle may be a total loss."""
INCOMPLETE = "INCOMPLETE REPORT: "
"""The start of the first warning of a report that could not read part of the catalog."""


def _unpriced(need: Need, opts: PartOptions) -> Unpriced:
    return Unpriced(
        part=need.category.name,
        position=need.position,
        reason=f"could not read its catalog lists: {opts.errors[0]}",
    )


def _incomplete_warning(unpriced: Sequence[Unpriced]) -> str:
    """The first warning of an incomplete report: what is missing, and what to do."""
    if unpriced:
        names = ", ".join(dict.fromkeys(u.part + _where_of(u.position) for u in unpriced))
        missing = f"{len(unpriced)} part(s) could not be priced ({names}) and are not in the totals"
    else:
        missing = "lines and totals may lack parts"
    return (
        f"{INCOMPLETE}part of the catalog could not be read: {missing}; "
        "price it again before relying on it"
    )


async def _categories(
    catalog: BucketManager, mid: str, variant_ids: list[str]
) -> tuple[dict[str, tuple[Category, ...]], bool]:
    """Each variant's categories (already cached by the planner); True if one failed."""
    results = await catalog.get_categories_concurrent([(mid, v) for v in variant_ids])
    found = {res.request[1]: tuple(res.value) for res in results if res.value is not None}
    return found, any(res.error is not None for res in results)


def priced_needs(plan: Plan) -> list[Need]:
    """The needs to price: every damaged need at or above the threshold, and what they bring."""
    return [n for n in plan.needs if n.reason != "damaged" or n.confidence >= PRICE_THRESHOLD]


def not_priced(plan: Plan) -> tuple[UnreadPhrase, ...]:
    """The phrases the plan leaves unpriced, and any damaged need under the threshold."""
    low = [
        low_confidence(n.component, n.category, n.position, n.confidence, n.guesses)
        for n in plan.needs
        if n.reason == "damaged" and n.confidence < PRICE_THRESHOLD
    ]
    # Each phrase once, and never beside the part it priced (a part the catalog lacks, named
    # in the same words as a priced one, is still said).
    priced = {n.component for n in priced_needs(plan) if n.reason == "damaged"}
    out: dict[str, UnreadPhrase] = {}
    for u in (*plan.unread, *low):
        if u.phrase not in out and (u.phrase not in priced or u.reason == "not_in_catalog"):
            out[u.phrase] = u
    return tuple(out.values())


def _damaged(
    decisions: Sequence[Decision],
    at: Mapping[tuple[str, Axle | None, Side | None], int],
    market: Market,
    is_saloon: bool,
) -> tuple[ReadDamage, ...]:
    """Every damaged part read, bought (with its line) or only repaired, in canonical order."""
    out = []
    for d in decisions:
        n = d.need
        if n.reason != "damaged" or d.not_damaged:
            continue
        word = market_name(n.category.name, market, is_saloon=is_saloon)
        out.append(
            ReadDamage(
                component=n.component,
                category=_named_category(n.category, word),
                position=n.position,
                quantity=n.quantity,
                severity=n.severity,
                confidence=round(n.confidence, 3),
                line=at.get((n.category.id, n.position.axle, n.position.side)),
            )
        )
    out.sort(key=lambda r: (r.category.id, r.position.axle or "", r.position.side or ""))
    return tuple(out)


def _named_category(category: CategoryRef, word: str | None) -> CategoryRef:
    """A category with the market's word for it: one shared object per (id, name, word)."""
    return _category_ref(category.id, category.name, word)


@functools.lru_cache(maxsize=4096)
def _category_ref(id_: str, name: str, word: str | None) -> CategoryRef:
    """Reports are frozen and a category holds no caller's word: one object serves them all
    (a copy per line and operation was 3% of a report's samples)."""
    return CategoryRef(id=id_, name=name, market_name=word)


def _named(op: Operation, market: Market, is_saloon: bool) -> Operation:
    """An operation whose part says the market's word too."""
    word = market_name(op.category.name, market, is_saloon=is_saloon)
    return op.model_copy(update={"category": _named_category(op.category, word)})


def _total_loss_warning(plan: Plan) -> list[str]:
    if not plan.total_loss:
        return []
    said = ", ".join(repr(w) for w in plan.total_loss)
    return [
        f"{TOTAL_LOSS}the report says {said}; the vehicle may be a total loss. "
        "Only the parts named are priced; have it assessed before ordering parts"
    ]


def _ranked(fit: Sequence[ArticleOption], pricing: _Pricing) -> list[ArticleOption]:
    """The options for the build, best first: OE, OES, aftermarket, then price."""
    return sorted(
        fit, key=lambda o: (QUALITY_RANK[o.article.quality], pricing.of(o.article).amount)
    )


@dataclass(frozen=True, slots=True)
class _Pricing:
    """Which price of an article a report uses: one currency, the market's, always.

    The article's price for the market, or its own, when in the market's currency;
    otherwise one of these converted through a rate the user gave (``conversions``
    in the rates). An article with none of these is not used for the report.
    """

    market: str
    rates: PricedMarket
    all_rates: Rates
    _prices: dict[int, tuple[Article, Money | None]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """Each article's price, worked out once per report (ranking and lines ask many times);
    keyed by identity, the article kept beside it so the identity stays its own."""

    def quoted(self, article: Article) -> tuple[Price, Decimal | None] | None:
        """The catalog price used and the rate it is converted at (None: no conversion)."""
        currency = self.rates.currency
        offered = [p for p in (article.price_in(self.market), article.price) if p is not None]
        for price in offered:
            if price.currency == currency:
                return price, None
        for price in offered:
            rate = self.all_rates.conversion(price.currency, currency)
            if rate is not None:
                return price, rate
        return None

    def of(self, article: Article) -> Money:
        """The price in the market's currency of an article ``usable`` kept."""
        money = self._money(article)
        assert money is not None, "only usable articles are priced"
        return money

    def _money(self, article: Article) -> Money | None:
        known = self._prices.get(id(article))
        if known is not None and known[0] is article:
            return known[1]
        quoted = self.quoted(article)
        money: Money | None = None
        if quoted is not None:
            price, rate = quoted
            if rate is None:
                money = Money(amount=price.amount, currency=price.currency)
            else:
                amount = round_money(price.amount * rate, self.rates.minor_unit)
                money = Money(amount=amount, currency=self.rates.currency)
        self._prices[id(article)] = (article, money)
        return money

    def usable(
        self, need: Need, fit: Sequence[ArticleOption], warnings: list[str]
    ) -> list[ArticleOption]:
        """The options that have a price in the market's currency; a warning for the others."""
        kept = [o for o in fit if self._money(o.article) is not None]
        left = [o.article for o in fit if self._money(o.article) is None]
        if left:
            first = left[0]
            what = f"{need.category.name}{_where(need)}"
            then = "not used; priced with the next fitting article" if kept else "not priced"
            warnings.append(
                f"{what}: {len(left)} fitting article(s) priced only in "
                f"{', '.join(sorted({a.price.currency for a in left}))} (first: "
                f"{first.article_no} at {first.price.currency} {first.price.amount}) and the "
                f"rates give no conversion into {self.rates.currency}: {then}. To use them, "
                'give the exchange rate under "conversions" in your rates file'
            )
        return kept

    def converted(self, need: Need, article: Article) -> str | None:
        """A warning when the chosen article's price is converted, naming the rate."""
        quoted = self.quoted(article)
        if quoted is None or quoted[1] is None:
            return None
        price, rate = quoted
        return (
            f"{need.category.name}{_where(need)}: article {article.article_no} is priced at "
            f"{price.currency} {price.amount}; converted to {self.of(article).currency} "
            f"{self.of(article).amount} at {rate} (the rates' conversions: an illustrative "
            "rate unless you gave yours)"
        )


def _bought(
    need: Need,
    opts: PartOptions,
    fit: Sequence[ArticleOption],
    pricing: _Pricing,
    choice: BuildChoice,
    max_alternatives: int,
    warnings: list[str],
    market_word: str,
) -> ReportLine | None:
    """The parts line of a bought need, or None (and a warning saying why)."""
    if opts.errors:
        warnings.append(
            f"could not read every catalog list for {need.category.name}: {opts.errors[0]}"
        )
    if not fit:
        if opts.options:
            warnings.append(_unfit(need, opts, choice))
        elif not opts.errors:
            warnings.append(
                f"no article in the catalog fits {need.category.name}{_where(need)} on this vehicle"
            )
        return None
    fit = _ranked(pricing.usable(need, fit, warnings), pricing)
    if not fit:
        return None
    converted = pricing.converted(need, fit[0].article)
    if converted is not None:
        warnings.append(converted)
    line = _line(need, fit, pricing, max_alternatives, market_word)
    chosen_side = line.position.side or fit[0].article.position.side
    if need.position.side is None and chosen_side is not None:
        # The reading's confidence already counts the missing side; say which was priced.
        warnings.append(
            f"{need.category.name}: no side given; priced the {chosen_side} one; "
            "say left or right (N/S, O/S) to be sure"
        )
    return line


def _line(
    need: Need,
    fit: Sequence[ArticleOption],
    pricing: _Pricing,
    max_alternatives: int,
    market_word: str,
) -> ReportLine:
    best, *rest = fit
    price = pricing.of(best.article)
    alternatives = _alternatives(best, rest)[:max_alternatives]
    return ReportLine(
        component=need.component,
        reason=need.reason,
        category=_named_category(need.category, market_word),
        position=need.position,
        article=_ref(best),
        price=price,
        quantity=need.quantity,
        line_total=Money(amount=price.amount * need.quantity, currency=price.currency),
        why=need.why,
        source=need.source,
        confidence=round(need.confidence, 3),
        fits_variants=best.fits_variants,
        alternatives=tuple(_alternative(o, best, pricing) for o in alternatives),
        severity=need.severity if need.reason == "damaged" else None,
    )


def _alternatives(best: ArticleOption, rest: Sequence[ArticleOption]) -> list[ArticleOption]:
    """The same part at the chosen article's position, one per brand and quality, in rank order.

    A need with no side admits left and right articles; its alternatives are
    the chosen side's only, never the other side's at a difference of 0.00.
    """
    where = best.article.position
    seen = {(best.article.brand, best.article.quality)}
    out: list[ArticleOption] = []
    for option in rest:
        a = option.article
        if (a.position.axle, a.position.side) != (where.axle, where.side):
            continue
        if (a.brand, a.quality) in seen:
            continue
        seen.add((a.brand, a.quality))
        out.append(option)
    return out


def _unfit(need: Need, opts: PartOptions, choice: BuildChoice) -> str:
    elsewhere = sorted({vid for o in opts.options for vid in o.fits_variants})
    return (
        f"no {need.category.name}{_where(need)} article fits the priced build "
        f"({', '.join(v.id for v in choice.variants)}); the catalog has one only for "
        f"{', '.join(elsewhere)}, and an article of another build is never used"
    )


def _line_order(ln: ReportLine) -> tuple[int, str, str, str]:
    pos = ln.position
    return (_REASON_ORDER[ln.reason], ln.category.id, pos.axle or "", pos.side or "")


def _build(choice: BuildChoice, data: EstimateData, warnings: list[str]) -> tuple[Build, BodyClass]:
    body = choice.variants[0].body
    body_class = data.labour.body_class(body)
    if body_class is None:
        body_class = data.labour.default_body_class
        warnings.append(
            f"the labour times have no body class for {body!r}: timed as {body_class}; "
            "add the body to body_classes"
        )
    build = Build(
        variants=tuple(v.id for v in choice.variants),
        body=body,
        body_class=body_class,
        chosen_by=choice.chosen_by,
    )
    return build, body_class


def _present(
    categories: dict[str, tuple[Category, ...]], build: set[str]
) -> Callable[[str], CategoryRef | None]:
    """The build's category for a name in the data (the panels a blend or a rule may touch).

    A category every variant of the build lists, found by its name or a synonym,
    or by the name's UK/US twins; None when the build has no such part.
    """
    lists = [categories[v] for v in sorted(build) if v in categories]
    shared = set.intersection(*({c.id for c in cats} for cats in lists)) if lists else set()
    kept = sorted((c for c in lists[0] if c.id in shared), key=lambda c: c.id) if lists else []
    # Names first, then synonyms: a synonym never shadows another category's own name.
    by_name = {c.name.casefold(): c for c in reversed(kept)}
    for c in kept:
        for synonym in c.synonyms:
            by_name.setdefault(synonym.casefold(), c)

    def find(name: str) -> CategoryRef | None:
        found = by_name.get(name.casefold())
        if found is None:
            found = next((by_name[n] for n in sorted(names_of(name)) if n in by_name), None)
        return CategoryRef(id=found.id, name=found.name) if found is not None else None

    return find


_ESCALATED_CONFIDENCE = 0.5
"""The most a report with structural damage or deployed airbags is trusted."""


def _escalation(said: Sequence[str]) -> list[str]:
    """The banner that comes first when the words name what no parts estimate covers."""
    if not said:
        return []
    words = ", ".join(repr(w) for w in said)
    return [
        f"INSPECTION NEEDED: the report says {words}: structural damage or deployed airbags. "
        "This estimate is incomplete (it prices only the parts named); the car needs an "
        "inspection on a jig or by the maker's repair data, and a total-loss review"
    ]


def _damage_unpriced(
    report: PartsReport, unread: Sequence[UnreadPhrase], data: EstimateData
) -> tuple[list[str], list[str]]:
    """The damaged parts named but not priced: with no category, and with no fitting article."""
    # Equipment named to say the car has it ("radar behind the badge") is not a damaged part.
    no_category = [
        repr(u.phrase)
        for u in unread
        if u.reason == "not_in_catalog"
        and not data.evidence.denies(u.phrase)
        and not data.evidence.only_equipment(u.phrase)
    ]
    no_article = [
        r.category.name + (f" ({r.position.side})" if r.position.side else "")
        for r in report.damaged
        if r.line is None
        and any(
            op.operation == "replace"
            and op.line is None
            and op.category.id == r.category.id
            and op.position == r.position
            for op in report.operations
        )
    ]
    return list(dict.fromkeys(no_category)), list(dict.fromkeys(no_article))


def _lacks(unpriced: Sequence[str]) -> list[str]:
    if not unpriced:
        return []
    return [
        f"NOT PRICED: the estimate lacks {len(unpriced)} damaged part(s) the report names: "
        f"{', '.join(unpriced)} (no catalog category or no fitting article); price them by hand"
    ]


def _confidence(
    plan: Plan,
    needs: Sequence[Need],
    lines: Sequence[ReportLine],
    *,
    escalated: bool = False,
    unpriced: int = 0,
    priced: int = 0,
    penalty: Decimal = Decimal(0),
) -> float:
    """The mean confidence of the report's parts, bought or not, capped by the vehicle's.

    ``needs`` are the decided ones; a consumable counts only when it got a line. A
    report whose words name structure or deployed airbags is capped at 0.5: its
    estimate cannot be complete. ``unpriced`` damaged parts of ``priced`` + ``unpriced``
    lower it by their share of ``penalty``: the more of the damage missing, the lower.
    """
    bought = {(ln.category.id, ln.position) for ln in lines}
    scores = [
        n.confidence
        for n in needs
        if n.reason != "consumable" or (n.category.id, n.position) in bought
    ]
    if not scores:
        return 0.0
    cap = min(plan.resolution.score, _ESCALATED_CONFIDENCE if escalated else 1.0)
    missing = float(penalty) * unpriced / (priced + unpriced) if unpriced else 0.0
    return round(min(cap, sum(scores) / len(scores)) * (1 - missing), 3)


def _report_vehicle(plan: Plan, build: Build | None = None) -> ReportVehicle:
    r = plan.resolution
    return ReportVehicle(
        manufacturer=Ref(id=plan.manufacturer.id, name=plan.manufacturer.name),
        model=Ref(id=plan.model.id, name=plan.model.name),
        year=r.year,
        variants=tuple(r.variants),
        resolved_by=r.resolved_by,
        vin=r.vin.vin if r.vin is not None else None,
        notes=tuple(r.notes),
        build=build,
    )


def _vehicle_warnings(plan: Plan) -> list[str]:
    """What the caller should know about their vehicle: shown with the report, not only in notes."""
    r = plan.resolution
    warnings = []
    if r.year is None:
        warnings.append(
            f"no year given: priced across all {len(r.variants)} variants of {plan.model.name}; "
            "give the year (or the VIN) to price the right one"
        )
    if r.vin is not None and not r.vin.check_digit_valid:
        warnings.append(
            f"the VIN's check digit (9th character of {r.vin.vin}) does not match: European "
            "VINs often carry none, otherwise check the VIN for a typing error"
        )
    return warnings


@dataclass(frozen=True, slots=True)
class Meaning:
    """A report priced from a plan without its words: what the report cache may share.

    Parts, prices, operations and totals; no phrase, reason, note, VIN or
    confidence of any caller. Only ``in_their_words`` turns it into a report.
    """

    report: PartsReport
    escalate: tuple[str, ...] = ()
    """The evidence words of structure or deployed airbags ('b pillar'): a banner first."""


def without_words(plan: Plan) -> Plan:
    """The plan with every word of the caller taken out, and its needs in canonical order.

    A need is named by its catalog category; reasons, guesses and confidences
    (the reading's) are dropped, and so are the unread phrases, the planner's
    warnings and trace, and how the vehicle was found (its VIN, its notes).
    Equal meanings give equal plans, whoever sent them.
    """
    needs = [
        replace(n, component=n.category.name, why="", confidence=1.0, guesses=())
        for n in priced_needs(plan)
    ]
    needs.sort(
        key=lambda n: (
            _REASON_ORDER[n.reason],
            n.category.id,
            n.position.axle or "",
            n.position.side or "",
            n.quantity,
            n.severity.value,
            n.paint_intact,
            n.source,
        )
    )
    resolution = plan.resolution.model_copy(
        update={
            "vin": None,
            "notes": (),
            "candidates": (),
            "query": "",
            "resolved_by": "",
            "score": 1.0,
        }
    )
    return Plan(resolution=resolution, needs=needs, incomplete=plan.incomplete)


def in_their_words(meaning: Meaning, plan: Plan, data: EstimateData) -> PartsReport:
    """The report this caller reads: the shared meaning, and everything from its own plan.

    The parts, operations and prices are the meaning's; what each line and damaged
    part was called and why, how sure the reading is, what was not priced, the
    planner's warnings, the vehicle as it was found and the trace are this plan's.
    """
    report = meaning.report
    needs = [
        n for n in _dedupe(priced_needs(plan)) if not data.policy.is_paint_material(n.category.name)
    ]
    said = {(n.category.id, n.position): n for n in needs}
    lines = []
    for ln in report.lines:
        need = said.get((ln.category.id, ln.position))
        if need is not None:
            ln = ln.model_copy(
                update={
                    "component": need.component,
                    "why": need.why,
                    "confidence": round(need.confidence, 3),
                }
            )
        lines.append(ln)
    damaged = []
    for r in report.damaged:
        need = said.get((r.category.id, r.position))
        if need is not None:
            r = r.model_copy(
                update={"component": need.component, "confidence": round(need.confidence, 3)}
            )
        damaged.append(r)
    unread = not_priced(plan)
    no_category, no_article = _damage_unpriced(report, unread, data)
    unpriced = [*no_category, *no_article]
    # An incomplete report says so first, before anything else (docs/failures.md).
    first = [w for w in report.warnings if w.startswith(INCOMPLETE) and not report.complete]
    warnings = [
        *first,
        *_escalation(meaning.escalate),
        *_total_loss_warning(plan),
        *_lacks(unpriced),
        *_vehicle_warnings(plan),
        *plan.warnings,
        *report.warnings,
    ]
    return report.model_copy(
        update={
            "vehicle": _report_vehicle(plan, report.vehicle.build),
            "lines": tuple(lines),
            "damaged": tuple(damaged),
            "confidence": _confidence(
                plan,
                needs,
                lines,
                escalated=bool(meaning.escalate),
                unpriced=len(unpriced),
                priced=len(report.damaged) - len(no_article),
                penalty=data.policy.unpriced_penalty,
            ),
            "not_priced": unread,
            "warnings": tuple(dict.fromkeys(warnings)),
            "total_loss": bool(plan.total_loss),
            "trace": tuple(plan.trace),
            "performance": {"llm_usage": dict(plan.usage)} if plan.usage else {},
        }
    )


def _where(need: Need) -> str:
    return _where_of(need.position)


def _where_of(position: Position) -> str:
    bits = [b for b in (position.axle, position.side) if b]
    return f" ({' '.join(bits)})" if bits else ""


def _ref(option: ArticleOption) -> ArticleRef:
    a = option.article
    return _article_ref(a.id, a.article_no, a.brand, a.name, a.quality)


@functools.lru_cache(maxsize=8192)
def _article_ref(id_: str, article_no: str, brand: str, name: str, quality: Quality) -> ArticleRef:
    """One frozen reference per catalog article, shared by every line and alternative of it.

    Built from a validated Article's own fields, so not validated again; the reports
    of all callers may share it, as it holds nothing but the catalog's words.
    """
    return ArticleRef.model_construct(
        id=id_, article_no=article_no, brand=brand, name=name, quality=quality
    )


def _alternative(option: ArticleOption, best: ArticleOption, pricing: _Pricing) -> Alternative:
    price = pricing.of(option.article)
    chosen = pricing.of(best.article)
    # Every part is validated already (prices, the reference) or a plain Decimal and bool:
    # validating a few dozen alternatives a report again was 3% of its CPU.
    return Alternative.model_construct(
        article=_ref(option),
        price=price,
        price_difference=Money.model_construct(
            amount=price.amount - chosen.amount, currency=price.currency
        ),
        fits_all_variants=option.fits_all,
    )


def _slot(need: Need) -> tuple[str, Axle | None, Side | None]:
    return need.category.id, need.position.axle, need.position.side


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
