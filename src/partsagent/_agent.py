"""PartsAgent: a damage report in, a fitment-checked, priced estimate out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import anyio
from pydantic import SecretStr, ValidationError

from ._catalog.manager import BucketManager
from ._catalog.source import CatalogSource
from ._exceptions import (
    CatalogError,
    CatalogUnavailable,
    InputError,
    PlannerError,
    UsageError,
)
from ._metrics import collect_performance, counter, timer
from ._models import DamagedPart, Vehicle
from ._planning.base import Planner
from ._planning.rules import RulesPlanner
from ._pricing.assemble import in_their_words, price_plan, priced_needs
from ._pricing.estimate import BuildPreference, EstimateData, RatesLike, build_preference
from ._pricing.plan import Plan, PlanRequest
from ._pricing.report import PartsReport
from ._pricing.report_cache import AgentCacheManager, canonical_key, input_key

__all__ = ["PartsAgent"]

Market = Literal["GB", "US", "UK"]
"""The markets whose sides and words are known; "UK" is taken as "GB"."""


def _market(market: str) -> Literal["GB", "US"]:
    if market == "UK":
        return "GB"
    if market not in ("GB", "US"):
        raise InputError(f"unknown market {market!r}; use 'GB' (or 'UK') or 'US'")
    return market  # type: ignore[return-value]


def _coerce_vehicle(vehicle: Vehicle | Mapping[str, Any]) -> Vehicle:
    if isinstance(vehicle, Vehicle):
        return vehicle
    if not isinstance(vehicle, Mapping):
        raise InputError('vehicle must be a Vehicle or a dict like {"make", "model", "year"}')
    try:
        return Vehicle.model_validate(vehicle)
    except ValidationError as exc:
        raise InputError(f"invalid vehicle: {_first_error(exc)}") from None


DEFAULT_MAX_TEXT_CHARS = 10_000
DEFAULT_MAX_DAMAGED_PARTS = 50


def _coerce_damage(
    damage: Sequence[DamagedPart | Mapping[str, Any]] | str,
    *,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
    max_parts: int = DEFAULT_MAX_DAMAGED_PARTS,
) -> tuple[DamagedPart, ...] | str:
    if isinstance(damage, str):
        if not damage.strip():
            raise InputError("the damage description is empty; describe the damaged parts")
        if len(damage) > max_text_chars:
            raise InputError(
                f"the damage description has {len(damage)} characters, over the limit of "
                f"{max_text_chars} (max_text_chars); shorten it or raise the limit"
            )
        return damage
    if not isinstance(damage, Sequence) or not damage:
        raise InputError("give at least one damaged part, or a free-text description")
    if len(damage) > max_parts:
        raise InputError(
            f"{len(damage)} damaged parts in one report, over the limit of {max_parts} "
            "(max_damaged_parts); split the report or raise the limit"
        )
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
    ``max_text_chars`` and ``max_damaged_parts`` cap one report's input: a longer
    description or more parts is an InputError before any work is done.
    ``warm_vehicle``: when the catalog offers batches, fetch every category's
    articles of the vehicle in background batch requests that the report does
    not wait for, so the next report for that vehicle needs no request.
    ``estimate``: the estimate's data (policy, labour times, adjacency,
    included operations, rates, build cues); ``EstimateData.load(...)`` with
    your own files, or None for the packaged, illustrative ones.
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
        max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
        max_damaged_parts: int = DEFAULT_MAX_DAMAGED_PARTS,
        llm_options: Mapping[str, Any] | None = None,
        estimate: EstimateData | None = None,
        **manager_options: Any,
    ) -> None:
        the_market = _market(market)
        if max_text_chars < 1 or max_damaged_parts < 1:
            raise InputError("max_text_chars and max_damaged_parts must be at least 1")
        self.max_text_chars = max_text_chars
        self.max_damaged_parts = max_damaged_parts
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
        self.market: Literal["GB", "US"] = the_market
        self.estimate = estimate if estimate is not None else EstimateData.load()
        self.estimate.rates.market(the_market)  # a market the rates do not cover fails here
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
        rates: RatesLike | None = None,
    ) -> PartsReport:
        """The estimate for one damage report; cached and coalesced by meaning.

        ``rates``: other rates for this call only (a Rates value or a rates file's
        path; its markets replace the agent's, the others stay).
        """
        if self._closed:
            raise UsageError("this PartsAgent is closed; create a new one")
        outcome = "error"
        cache_result: str | None = None
        try:
            async with timer("agent.report"):
                report = await self._process(vehicle, damaged_parts, planner, market, rates)
            outcome = "ok"
            cache_result = str(report.performance["report_cache"])
            return report
        except BaseException as exc:
            outcome = _outcome_of(exc)
            raise
        finally:
            counter("reports", outcome=outcome, report_cache=cache_result)

    async def _process(
        self,
        vehicle: Vehicle | Mapping[str, Any],
        damaged_parts: Sequence[DamagedPart | Mapping[str, Any]] | str,
        planner: str | None,
        market: Market | None,
        rates: RatesLike | None,
    ) -> PartsReport:
        started = time.perf_counter()
        v = _coerce_vehicle(vehicle)
        damage = _coerce_damage(
            damaged_parts, max_text_chars=self.max_text_chars, max_parts=self.max_damaged_parts
        )
        planner_name = planner or self.default_planner
        the_market = _market(market or self.market)
        data = self.estimate if rates is None else self.estimate.with_rates(rates)
        raw = input_key(v, damage, planner=planner_name, market=the_market) + "|" + data.key
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
                    preference = build_preference(
                        v, damage, plan.resolution.variants, plan.resolution.vin, data.cues
                    )
                    key = self._canonical(plan, planner_name, the_market, preference, data)
                    self.reports.remember_input(raw, key)
                    report, outcome = await self.reports.get_or_compute(
                        key,
                        lambda: price_plan(
                            self.catalog,
                            plan,
                            planner=planner_name,
                            max_alternatives=self.max_alternatives,
                            warm_vehicle=self.warm_vehicle,
                            market=the_market,
                            estimate=data,
                            preference=preference,
                        ),
                    )
                    if outcome != "miss":
                        report = in_their_words(report, plan)
            except TimeoutError:
                raise CatalogUnavailable(
                    "report", f"not complete within the {self.report_deadline:g}s report deadline"
                ) from None
        return _with_performance(report, started, outcome, perf.snapshot())

    def _canonical(
        self,
        plan: Plan,
        planner: str,
        market: str,
        preference: BuildPreference,
        data: EstimateData,
    ) -> str:
        r = plan.resolution
        needs = priced_needs(plan)
        damaged = [(n.category.id, n.position, n.severity) for n in needs if n.reason == "damaged"]
        extra = sorted(
            f"{n.category.id}:{n.position.axle}:{n.position.side}:{n.reason}:{n.quantity}"
            for n in needs
            if n.reason != "damaged"
        )
        # How many of a part, and a possible total loss, are part of what a report means.
        counts = sorted(
            f"{n.category.id}:{n.position.axle}:{n.position.side}:x{n.quantity}"
            for n in needs
            if n.reason == "damaged" and n.quantity != 1
        )
        if plan.total_loss:
            counts.append("total-loss")
        # Paint said to be sound changes the operations (no refinish): part of the meaning.
        counts += sorted(
            f"{n.category.id}:{n.position.axle}:{n.position.side}:paint-intact"
            for n in needs
            if n.reason == "damaged" and n.paint_intact
        )
        # So does the kind of damage ("split" may replace what "cracked" repairs).
        counts += sorted(
            f"{n.category.id}:{n.position.axle}:{n.position.side}:{'+'.join(n.damage_kinds)}"
            for n in needs
            if n.reason == "damaged" and n.damage_kinds
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
        if counts:
            key += "|" + ";".join(counts)
        # The build asked for and the estimate's figures change the report: part of the key.
        key += f"|{preference.key()}|{data.key}"
        # An LLM plan may add other secondary lines than the rules: they are part of its meaning.
        return key + ("|" + ";".join(extra) if planner != "rules" else "")


def _outcome_of(exc: BaseException) -> str:
    """The ``outcome`` label of a report that raised: a few fixed values an operator can act on."""
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled"
    if isinstance(exc, InputError):
        return "input_error"
    if isinstance(exc, CatalogUnavailable):
        return "unavailable"
    if isinstance(exc, CatalogError):
        return "catalog_error"
    if isinstance(exc, PlannerError):
        return "planner_error"
    return "error"


def _with_performance(
    report: PartsReport, started: float, outcome: str, perf: Mapping[str, Any] | None
) -> PartsReport:
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
            shared_cache_hits=counters.get("cache.shared_hits", 0),
        )
    else:
        performance.update(
            tools={},
            catalog_requests=0,
            cache_hits=0,
            cache_misses=0,
            cache_coalesced=0,
            shared_cache_hits=0,
        )
    if "llm_usage" in report.performance:
        performance["llm_usage"] = report.performance["llm_usage"]
    return report.model_copy(update={"performance": performance})
