"""Pricing a plan: decide each part, search the bought ones at once, choose one build, estimate.

The policy decides which damaged parts are replaced (a parts line) and which
are only repaired or refinished (operations only). The bought parts are
searched over every variant in one fan-out; one build is chosen so that every
line fits all its variants (``lines.py`` makes each line). Then the operations,
the rates of the market and the totals. Lines and operations are put in a
canonical order so that equivalent inputs give identical reports.

What this gives is a ``Meaning`` (``meaning.py``): the report without any
caller's words, which ``in_their_words`` makes one caller's report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .._catalog.manager import BucketManager
from .._markets import Market, load_markets
from .._models import Axle, Category, ReportWarning, Side
from .._reading.market import market_name, saloon
from . import warming
from .estimate import (
    BuildChoice,
    BuildPreference,
    Decision,
    EstimateData,
    applied_rates,
    choose_build,
    decide,
    estimate_totals,
    part_of,
    price_work,
    work_for,
)
from .estimate.labour import BodyClass
from .estimate.said import Said
from .lines import PricedLines, Pricing, named_category, price_lines, where_of
from .meaning import (
    Meaning,
    dedupe,
    in_their_words,
    not_priced,
    once,
    priced_needs,
    report_vehicle,
    without_words,
)
from .names import names_of
from .need import Need
from .plan import Plan
from .report import Build, CategoryRef, Operation, PartsReport, ReadDamage, Unpriced
from .search import PartNeed, PartOptions, kept_options, search_parts
from .vehicle_lists import VehicleCategories, vehicle_categories

__all__ = [
    "Meaning",
    "in_their_words",
    "not_priced",
    "price_plan",
    "priced_needs",
    "without_words",
]

_Slot = tuple[str, Axle | None, Side | None]
"""Where a part is: its category id, axle and side."""


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
    words = _facts_of_parts(plan)
    preference = plan.build or BuildPreference()
    plan = without_words(plan)
    job = _Job(
        catalog=catalog,
        plan=plan,
        data=estimate if estimate is not None else EstimateData.load(),
        market=load_markets().get(market),
        preference=preference,
    )
    warnings: list[ReportWarning] = []
    needs = _leave_out_paint(dedupe(priced_needs(plan)), job.data, warnings)
    lists = await vehicle_categories(catalog, plan.manufacturer.id, job.variant_ids)
    failed = bool(lists.errors)
    decisions = _decide(job, needs, lists, words, warnings)
    bought = [d for d in decisions if d.bought and not d.need.labour_only]
    warnings += _by_hand(decisions, job.market)
    options = await _search(job, bought, warm_vehicle)
    choice = _choose_build(job, options, warnings)
    pricing = Pricing(job.market.code, job.data.rates.market(job.market), job.data.rates)
    lines = price_lines(
        bought, options, choice, pricing, job.market, max_alternatives, warnings=warnings
    )
    decisions = [d for d in decisions if id(d) not in lines.absent]
    build, body_class = _build(choice, job.data, warnings)
    operations = _operations(job, decisions, lines, lists, choice, body_class, pricing, warnings)
    complete = not (failed or lines.failed or plan.incomplete)
    if not complete:
        warnings.insert(0, _incomplete_warning(lines.unpriced))
    report = PartsReport(
        vehicle=report_vehicle(plan, build),
        lines=tuple(lines.lines),
        operations=tuple(operations),
        totals=estimate_totals(lines.lines, operations, pricing.rates),
        rates=applied_rates(job.market.code, pricing.rates),
        confidence=0.0,  # the reading's: put in by in_their_words
        coded_warnings=once(warnings),
        damaged=_damaged(decisions, lines.at, job.market, _is_saloon(choice)),
        market=job.market.code,
        planner="llm" if planner == "llm" else "rules",
        complete=complete,
        unpriced=tuple(lines.unpriced),
    )
    return Meaning(report, escalate=job.said.escalate), complete


@dataclass(frozen=True, slots=True)
class _Job:
    """What every step of pricing one plan reads: the catalog, the plan, the data, the market."""

    catalog: BucketManager
    plan: Plan
    data: EstimateData
    market: Market
    preference: BuildPreference

    @property
    def said(self) -> Said:
        """What the words say beyond the parts (sizes, equipment, safety, escalation)."""
        return self.preference.said

    @property
    def variant_ids(self) -> list[str]:
        return [v.id for v in self.plan.resolution.variants]


def _facts_of_parts(plan: Plan) -> dict[_Slot, str]:
    """Each damaged part's own words, read for its facts (a dent's size, "knocked loose").

    Taken before the words go; the cache key holds the sentences they come from
    (the plan's build).
    """
    facts: dict[_Slot, str] = {
        _slot(n): n.component for n in priced_needs(plan) if n.reason == "damaged"
    }
    # A part the catalog lacks ends a part's words as a priced one does: in "tailgate dented,
    # rear glass smashed, sublet screen" the sublet is the screen's, not the tailgate's.
    for i, u in enumerate(plan.unread):
        if u.reason == "not_in_catalog":
            facts[(f"not_in_catalog:{i}", None, None)] = u.phrase
    return facts


def _leave_out_paint(
    needs: list[Need], data: EstimateData, warnings: list[ReportWarning]
) -> list[Need]:
    """The needs without paint materials, which are charged per refinish hour, never bought."""
    paint = [n for n in needs if data.policy.is_paint_material(n.category.name)]
    if not paint:
        return needs
    warnings.append(
        ReportWarning(
            code="paint_materials",
            message=f"{', '.join(n.category.name for n in paint)}: not bought as articles; "
            "paint materials are charged per refinish hour",
            part=paint[0].category.name if len(paint) == 1 else None,
        )
    )
    return [n for n in needs if n not in paint]


def _decide(
    job: _Job,
    needs: Sequence[Need],
    lists: VehicleCategories,
    words: Mapping[_Slot, str],
    warnings: list[ReportWarning],
) -> list[Decision]:
    """The policy's decision for each need: bought, repaired or refinished; and its notes."""
    said = job.said
    decisions = decide(needs, job.data, lists.groups, said, words)
    warnings += [ReportWarning(code=code, message=s) for code, s in said.safety]
    warnings += [d.note for d in decisions if d.note]
    warnings += _no_side(decisions, job.data)
    return decisions


async def _search(job: _Job, bought: Sequence[Decision], warm_vehicle: bool) -> list[PartOptions]:
    """The ranked options of every bought part over every variant, in one fan-out."""
    wanted = [PartNeed(category_id=d.need.category.id, position=d.need.position) for d in bought]
    if not wanted:
        return []
    mid, variant_ids, catalog = job.plan.manufacturer.id, job.variant_ids, job.catalog
    kept = kept_options(catalog, mid, variant_ids, wanted)
    if None not in kept:
        return kept  # type: ignore[return-value]
    if warm_vehicle and catalog.source.batch_supported:
        await warming.warm_vehicle(catalog, mid, variant_ids, wanted)
    return await search_parts(catalog, mid, variant_ids, wanted, kept=kept)


def _choose_build(
    job: _Job, options: Sequence[PartOptions], warnings: list[ReportWarning]
) -> BuildChoice:
    """One set of variants every line fits: the variant given, the words, the VIN, or most."""
    choice = choose_build(
        job.plan.resolution.variants,
        job.preference,
        job.data.cues,
        [[frozenset(o.fits_variants) for o in opts.options] for opts in options],
    )
    warnings += choice.warnings
    return choice


def _is_saloon(choice: BuildChoice) -> bool:
    return saloon(v.body for v in choice.variants)


def _operations(
    job: _Job,
    decisions: Sequence[Decision],
    lines: PricedLines,
    lists: VehicleCategories,
    choice: BuildChoice,
    body_class: BodyClass,
    pricing: Pricing,
    warnings: list[ReportWarning],
) -> list[Operation]:
    """The estimate's operations, priced at the market's rates, named in the market's words."""
    at = lines.at
    parts = [
        part_of(d, at.get(_slot(d.need)), lists.groups)
        for d in decisions
        if d.row is not None and d.included_in is None
    ]
    present = _present(lists.panels(frozenset(v.id for v in choice.variants)))
    # Equipment the words name counts whether or not the catalog lists it for the build.
    equipment = {e for v in choice.variants for e in v.equipment} | set(job.said.equipment)
    # Equipment a variant the car may be lacks is asked about, not priced: only the caller's
    # variant or words say which the car is (the most-variants build may be the wrong one).
    chosen = choice.chosen_by in ("variant_id", "words")
    could_be = choice.variants if chosen else job.plan.resolution.variants
    every = set.intersection(*(set(v.equipment) for v in could_be)) if could_be else set()
    unsure = equipment - every - set(job.said.equipment)
    works, notes = work_for(parts, job.data, body_class, equipment, present, job.said, unsure)
    warnings += notes
    is_saloon = _is_saloon(choice)
    return price_work(works, pricing.rates, lambda c: _named(c, job.market, is_saloon))


def _incomplete_warning(unpriced: Sequence[Unpriced]) -> ReportWarning:
    """The first warning of an incomplete report: what is missing, and what to do."""
    if unpriced:
        names = ", ".join(dict.fromkeys(u.part + where_of(u.position) for u in unpriced))
        missing = f"{len(unpriced)} part(s) could not be priced ({names}) and are not in the totals"
    else:
        missing = "lines and totals may lack parts"
    return ReportWarning(
        code="incomplete_report",
        message=f"INCOMPLETE REPORT: part of the catalog could not be read: {missing}; "
        "price it again before relying on it",
    )


def _by_hand(decisions: Sequence[Decision], market: Market) -> list[ReportWarning]:
    """A new panel the catalog has no part for (a roof, a quarter panel): its fitting and
    refinish are priced, the part itself is to be priced by hand."""
    out = []
    for d in decisions:
        if d.need.labour_only and d.bought:
            name = market_name(d.need.category.name, market) + where_of(d.need.position)
            out.append(
                ReportWarning(
                    code="no_article",
                    part=d.need.category.name,
                    message=f"{name}: a new panel, which the catalog has no part for: its "
                    "fitting and refinish are priced, the part is not; price it by hand",
                )
            )
    return out


def _no_side(decisions: Sequence[Decision], data: EstimateData) -> list[ReportWarning]:
    """A sided panel worked on with no side said ("front wing dented"): the side is assumed.

    A bought part says which side was priced when its article is chosen (``_bought``).
    """
    out = []
    for d in decisions:
        panel = data.adjacency.panel(d.need.category.name)
        if (
            d.need.reason == "damaged"
            and d.need.position.side is None
            and not d.bought
            and d.operations
            and panel is not None
            and panel.sided
        ):
            out.append(
                ReportWarning(
                    code="side_assumed",
                    message=f"{d.need.category.name}: no side given, side assumed (priced "
                    "without one); say left or right (N/S, O/S) to be sure",
                    part=d.need.category.name,
                )
            )
    return out


def _damaged(
    decisions: Sequence[Decision],
    at: Mapping[_Slot, int],
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
                category=named_category(n.category, word),
                position=n.position,
                quantity=n.quantity,
                severity=n.severity,
                confidence=round(n.confidence, 3),
                line=at.get(_slot(n)),
            )
        )
    out.sort(key=lambda r: (r.category.id, r.position.axle or "", r.position.side or ""))
    return tuple(out)


def _named(category: CategoryRef, market: Market, is_saloon: bool) -> CategoryRef:
    """An operation's part, saying the market's word too."""
    return named_category(category, market_name(category.name, market, is_saloon=is_saloon))


def _build(
    choice: BuildChoice, data: EstimateData, warnings: list[ReportWarning]
) -> tuple[Build, BodyClass]:
    """The build the report is priced for, and the labour-time class of its body."""
    body = choice.variants[0].body
    body_class = data.labour.body_class(body)
    if body_class is None:
        body_class = data.labour.default_body_class
        warnings.append(
            ReportWarning(
                code="body_class_assumed",
                message=f"the labour times have no body class for {body!r}: timed as "
                f"{body_class}; add the body to body_classes",
            )
        )
    build = Build(
        variants=tuple(v.id for v in choice.variants),
        body=body,
        body_class=body_class,
        chosen_by=choice.chosen_by,
    )
    return build, body_class


def _present(by_name: Mapping[str, Category]) -> Callable[[str], CategoryRef | None]:
    """The build's category for a name in the data (the panels a blend or a rule may touch).

    A category every variant of the build lists (``VehicleCategories.panels``), found
    by its name or a synonym, or by the name's UK/US twins; None when the build has
    no such part.
    """

    def find(name: str) -> CategoryRef | None:
        found = by_name.get(name.casefold())
        if found is None:
            found = next((by_name[n] for n in sorted(names_of(name)) if n in by_name), None)
        return CategoryRef(id=found.id, name=found.name) if found is not None else None

    return find


def _slot(need: Need) -> _Slot:
    return need.category.id, need.position.axle, need.position.side
