"""PartsAgent: a damage report in, a fitment-checked, priced parts list out."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import anyio
from pydantic import SecretStr, ValidationError

from ._catalog.manager import ArticleRequest, BucketManager
from ._catalog.source import CatalogSource
from ._exceptions import CatalogUnavailable, InputError, UsageError
from ._metrics import collect_performance, count, timer
from ._models import DamagedPart, Vehicle
from ._planning.plan import Need, Plan, Planner, PlanRequest
from ._planning.rules import RulesPlanner
from ._pricing.report import (
    Alternative,
    ArticleRef,
    Money,
    PartsReport,
    Ref,
    ReportLine,
    ReportVehicle,
    Totals,
)
from ._pricing.report_cache import AgentCacheManager, canonical_key, input_key
from ._pricing.search import ArticleOption, PartNeed, PartOptions, search_parts

__all__ = ["PartsAgent"]

Market = Literal["GB", "US"]
_REASON_ORDER = {"damaged": 0, "secondary": 1, "consumable": 2}


def _coerce_vehicle(vehicle: Vehicle | Mapping[str, Any]) -> Vehicle:
    if isinstance(vehicle, Vehicle):
        return vehicle
    if not isinstance(vehicle, Mapping):
        raise InputError('vehicle must be a Vehicle or a dict like {"make", "model", "year"}')
    try:
        return Vehicle.model_validate(vehicle)
    except ValidationError as exc:
        raise InputError(f"invalid vehicle: {_first_error(exc)}") from None


def _coerce_damage(
    damage: Sequence[DamagedPart | Mapping[str, Any]] | str,
) -> tuple[DamagedPart, ...] | str:
    if isinstance(damage, str):
        if not damage.strip():
            raise InputError("the damage description is empty; describe the damaged parts")
        return damage
    if not isinstance(damage, Sequence) or not damage:
        raise InputError("give at least one damaged part, or a free-text description")
    parts: list[DamagedPart] = []
    for i, item in enumerate(damage):
        if isinstance(item, DamagedPart):
            parts.append(item)
            continue
        if not isinstance(item, Mapping):
            raise InputError(
                f'damaged part {i + 1} must be a dict like {{"component", "severity"}}'
            )
        try:
            parts.append(DamagedPart.model_validate(item))
        except ValidationError as exc:
            raise InputError(f"invalid damaged part {i + 1}: {_first_error(exc)}") from None
    return tuple(parts)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]


class PartsAgent:
    """Owns a BucketManager, a report cache and a planner; share one per application.

    ``catalog`` is None (the embedded sample), a directory, a base URL, a
    CatalogSource or a ready BucketManager. ``planner`` is ``"rules"``
    (offline, deterministic) or ``"llm"`` (OpenAI tool calling; see
    ``llm_options``). ``report_deadline`` bounds one report in seconds;
    ``manager_options`` go to the BucketManager (e.g. ``deadline`` per lookup).
    ``warm_vehicle``: when the catalog offers batches, fetch every category's
    articles of the vehicle in background batch requests that the report does
    not wait for, so the next report for that vehicle needs no request.
    """

    def __init__(
        self,
        catalog: str | Path | CatalogSource | BucketManager | None = None,
        *,
        planner: Literal["rules", "llm"] | Planner = "rules",
        market: Market = "GB",
        report_deadline: float = 60.0,
        report_ttl: float = 3600.0,
        max_reports: int = 1000,
        max_alternatives: int = 5,
        warm_vehicle: bool = True,
        llm_options: Mapping[str, Any] | None = None,
        **manager_options: Any,
    ) -> None:
        if market not in ("GB", "US"):
            raise InputError(f"unknown market {market!r}; use 'GB' or 'US'")
        if isinstance(catalog, BucketManager):
            if manager_options:
                raise InputError(
                    f"manager options {sorted(manager_options)} cannot apply to a ready "
                    "BucketManager; pass them to the BucketManager instead"
                )
            self._owns_manager = False
            self.catalog = catalog
        else:
            self._owns_manager = True
            self.catalog = BucketManager(catalog, **manager_options)
        self.market: Market = market
        self.report_deadline = report_deadline
        self.max_alternatives = max_alternatives
        self.warm_vehicle = warm_vehicle
        self.reports = AgentCacheManager(ttl=report_ttl, max_entries=max_reports)
        self._planners: dict[str, Planner] = {"rules": RulesPlanner()}
        options = dict(llm_options or {})
        if isinstance(options.get("api_key"), str):
            # Kept as a SecretStr so that no repr or vars() of the agent shows it.
            options["api_key"] = SecretStr(options["api_key"])
        self._llm_options = options
        self.default_planner: str
        if isinstance(planner, str):
            if planner not in ("rules", "llm"):
                raise InputError(f"unknown planner {planner!r}; use 'rules' or 'llm'")
            self.default_planner = planner
        else:
            self._planners[planner.name] = planner
            self.default_planner = planner.name
        self._closed = False

    def __repr__(self) -> str:
        return f"PartsAgent({self.catalog!r}, planner={self.default_planner!r})"

    def _planner(self, name: str) -> Planner:
        planner = self._planners.get(name)
        if planner is None:
            if name != "llm":
                raise InputError(f"unknown planner {name!r}; use 'rules' or 'llm'")
            from ._planning.llm import LLMPlanner

            options: dict[str, Any] = {
                k: v.get_secret_value() if isinstance(v, SecretStr) else v
                for k, v in self._llm_options.items()
            }
            planner = self._planners["llm"] = LLMPlanner(**options)
        return planner

    async def __aenter__(self) -> Self:
        if self._closed:
            raise UsageError("this PartsAgent is closed; create a new one")
        await self.catalog.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Cancel work in flight, close the planners and (if owned) the manager."""
        if self._closed:
            return
        self._closed = True
        await self.reports.aclose()
        for planner in self._planners.values():
            await planner.aclose()
        if self._owns_manager:
            await self.catalog.aclose()

    async def process_damage_report(
        self,
        vehicle: Vehicle | Mapping[str, Any],
        damaged_parts: Sequence[DamagedPart | Mapping[str, Any]] | str,
        *,
        planner: str | None = None,
        market: Market | None = None,
    ) -> PartsReport:
        """The priced parts list for one damage report; cached and coalesced by meaning."""
        if self._closed:
            raise UsageError("this PartsAgent is closed; create a new one")
        started = time.perf_counter()
        v = _coerce_vehicle(vehicle)
        damage = _coerce_damage(damaged_parts)
        planner_name = planner or self.default_planner
        the_market = market or self.market
        if the_market not in ("GB", "US"):
            raise InputError(f"unknown market {the_market!r}; use 'GB' or 'US'")
        raw = input_key(v, damage, planner=planner_name, market=the_market)
        cached = self.reports.lookup_input(raw)
        if cached is not None:
            return _with_performance(cached, started, "hit", None)
        the_planner = self._planner(planner_name)
        request = PlanRequest(vehicle=v, damage=damage, market=the_market)
        with collect_performance() as perf:
            try:
                with anyio.fail_after(self.report_deadline):
                    async with timer("agent.plan", planner=planner_name):
                        plan = await the_planner.plan(self.catalog, request)
                    key = self._canonical(plan, planner_name, the_market)
                    self.reports.remember_input(raw, key)
                    report, outcome = await self.reports.get_or_compute(
                        key, lambda: self._price(plan, planner_name)
                    )
                    if outcome != "miss":
                        report = _in_their_words(report, plan)
            except TimeoutError:
                raise CatalogUnavailable(
                    "report", f"not complete within the {self.report_deadline:g}s report deadline"
                ) from None
        return _with_performance(report, started, outcome, perf.snapshot())

    def _canonical(self, plan: Plan, planner: str, market: str) -> str:
        r = plan.resolution
        damaged = [
            (n.category.id, n.position, n.severity) for n in plan.needs if n.reason == "damaged"
        ]
        extra = sorted(
            f"{n.category.id}:{n.position.axle}:{n.position.side}:{n.reason}:{n.quantity}"
            for n in plan.needs
            if n.reason != "damaged"
        )
        key = canonical_key(
            manufacturer_id=plan.manufacturer.id,
            model_id=plan.model.id,
            year=r.year,
            variant_ids=[v.id for v in r.variants],
            damage=damaged,
            planner=planner,
            market=market,
        )
        # An LLM plan may add other secondary lines than the rules: they are part of its meaning.
        return key + ("|" + ";".join(extra) if planner != "rules" else "")

    async def _price(self, plan: Plan, planner: str) -> tuple[PartsReport, bool]:
        """Search articles for every need at once and assemble the report."""
        r = plan.resolution
        needs = _dedupe(plan.needs)
        variant_ids = [v.id for v in r.variants]
        wanted = [PartNeed(category_id=n.category.id, position=n.position) for n in needs]
        mid = plan.manufacturer.id
        if self.warm_vehicle and self.catalog.source.batch_supported:
            # The report's own keys first, in the requests it waits for; the rest of the
            # vehicle in requests of its own, which the report does not wait for.
            await self.catalog.prefetch_articles(
                ArticleRequest(mid, vid, w.category_id) for vid in variant_ids for w in wanted
            )
            await self.catalog.prefetch_articles(
                await self._vehicle_articles(mid, variant_ids), background=True
            )
        options = await search_parts(self.catalog, mid, variant_ids, wanted)
        warnings = list(plan.warnings)
        lines: list[ReportLine] = []
        failed = plan.incomplete
        for need, opts in zip(needs, options, strict=True):
            line = self._line(need, opts, len(variant_ids))
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
            round(min(r.score, sum(ln.confidence for ln in lines) / len(lines)), 3)
            if lines
            else 0.0
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

    async def _vehicle_articles(self, mid: str, variant_ids: list[str]) -> list[ArticleRequest]:
        """Every (variant, category) of the vehicle; its category lists are already cached."""
        results = await self.catalog.get_categories_concurrent([(mid, v) for v in variant_ids])
        return [ArticleRequest(mid, r.request[1], c.id) for r in results for c in (r.value or ())]

    def _line(self, need: Need, opts: PartOptions, n_variants: int) -> ReportLine | None:
        if not opts.options:
            return None
        best, *rest = opts.options
        a = best.article
        price = Money(amount=a.price.amount, currency=a.price.currency)
        alternatives = tuple(_alternative(o, best) for o in rest[: self.max_alternatives])
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


def _in_their_words(report: PartsReport, plan: Plan) -> PartsReport:
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
    return report.model_copy(update={"lines": tuple(lines), "vehicle": _report_vehicle(plan)})


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


def _with_performance(
    report: PartsReport, started: float, outcome: str, perf: Mapping[str, Any] | None
) -> PartsReport:
    count("reports")
    performance: dict[str, Any] = {
        "total_ms": round((time.perf_counter() - started) * 1000, 3),
        "report_cache": outcome,
    }
    if perf is not None:
        counters = perf.get("counters", {})
        performance.update(
            tools={
                name: {"calls": op["calls"], "total_ms": round(op["total_ms"], 3)}
                for name, op in perf.get("operations", {}).items()
            },
            catalog_requests=counters.get("catalog.requests", 0),
            cache_hits=counters.get("cache.hits", 0),
            cache_misses=counters.get("cache.misses", 0),
            cache_coalesced=counters.get("cache.coalesced", 0),
        )
    else:
        performance.update(
            tools={}, catalog_requests=0, cache_hits=0, cache_misses=0, cache_coalesced=0
        )
    if "llm_usage" in report.performance:
        performance["llm_usage"] = report.performance["llm_usage"]
    return report.model_copy(update={"performance": performance})
