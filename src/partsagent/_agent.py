"""PartsAgent: a damage report in, a fitment-checked, priced estimate out."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import math
import os
import time
import warnings
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Iterable,
    Mapping,
    Sequence,
)
from pathlib import Path
from typing import Any, Literal, cast

import anyio
from pydantic import SecretStr

from ._batch import BatchItem, BatchResult, run_batch
from ._catalog.manager import BucketManager
from ._catalog.source import CatalogSource
from ._exceptions import (
    CatalogError,
    CatalogUnavailable,
    InputError,
    PlannerError,
    UsageError,
)
from ._input import DEFAULT_MAX_DAMAGED_PARTS, DEFAULT_MAX_TEXT_CHARS, coerce_damage, coerce_vehicle
from ._lifecycle import AsyncResource
from ._markets import Markets, load_markets
from ._metrics import collect_performance, counter, timer
from ._models import DamagedPart, Vehicle
from ._planning.base import Planner
from ._planning.rules import RulesPlanner
from ._pricing.assemble import in_their_words, price_plan
from ._pricing.estimate import EstimateData, Rates, RatesLike
from ._pricing.plan import Plan, PlanRequest
from ._pricing.report import PartsReport
from ._pricing.report_cache import ReportCache, input_key, meaning_key

__all__ = ["PartsAgent"]

MarketsLike = str | Path | Markets
"""A markets file's path (its markets over the packaged ones) or a Markets value."""


def _number(name: str, value: object, *, minimum: float, integer: bool = False) -> Any:
    """``value`` if it is a number (an int if ``integer``) of at least ``minimum``."""
    kinds: tuple[type, ...] = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not cast(float, value) >= minimum:
        what = "an integer" if integer else "a number"
        raise InputError(f"{name} must be {what} of at least {minimum:g}, not {value!r}")
    return value


def _instance(name: str, value: object, kinds: type | tuple[type, ...], wanted: str) -> None:
    if not isinstance(value, kinds):
        raise InputError(f"{name} must be {wanted}, not {type(value).__name__}")


def _rates(rates: object) -> RatesLike | None:
    if rates is not None:
        _instance("rates", rates, (Rates, str, os.PathLike), "a Rates value or a rates file's path")
    return rates  # type: ignore[return-value]


def _warn_pass_through(llm_options: object, manager_options: Mapping[str, object]) -> None:
    """Options passed through to objects the caller now builds: they go in the next release."""
    if llm_options is not None:
        warnings.warn(
            "PartsAgent(llm_options=...) is deprecated; pass a planner you built: "
            "PartsAgent(planner=LLMPlanner(...)), from partsagent.planning",
            DeprecationWarning,
            stacklevel=3,
        )
    if manager_options:
        warnings.warn(
            f"BucketManager options given to PartsAgent ({', '.join(sorted(manager_options))}) "
            "are deprecated; pass a manager you built: "
            "PartsAgent(BucketManager(catalog, ...)), from partsagent.catalog",
            DeprecationWarning,
            stacklevel=3,
        )


class PartsAgent(AsyncResource):
    """Owns a BucketManager, a report cache and a planner; share one per application.

    ``catalog`` is None (the embedded sample), a directory, a base URL, a
    CatalogSource or a BucketManager you built (to set its cache, retries or
    deadline). ``planner`` is ``"rules"`` (offline, deterministic), ``"llm"``
    (an ``LLMPlanner()`` with its defaults) or a planner you built, e.g.
    ``LLMPlanner(model=...)``. ``report_deadline`` bounds one report in seconds.
    ``llm_options`` and BucketManager keywords given here still work, with a
    DeprecationWarning: build the object instead.
    ``max_text_chars`` and ``max_damaged_parts`` cap one report's input: a longer
    description or more parts is an InputError before any work is done.
    ``warm_vehicle``: when the catalog offers batches, fetch every category's
    articles of the vehicle in background batch requests that the report does
    not wait for, so the next report for that vehicle needs no request.
    ``estimate``: the estimate's data (policy, labour times, adjacency,
    included operations, rates, build cues); ``EstimateData.load(...)`` with
    your own files, or None for the packaged, illustrative ones.
    ``market``: the default market, any the markets know ("GB", "UK", "US",
    "IE", "AU"); ``markets``: a markets file of your own (or a Markets value)
    that adds markets or replaces those it names (docs/configuration.md#markets).
    """

    def __init__(
        self,
        catalog: str | Path | CatalogSource | BucketManager | None = None,
        *,
        planner: Literal["rules", "llm"] | Planner = "rules",
        market: str = "GB",
        report_deadline: float = 60.0,
        report_ttl: float = 3600.0,
        max_reports: int = 1000,
        max_alternatives: int = 5,
        warm_vehicle: bool = True,
        max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
        max_damaged_parts: int = DEFAULT_MAX_DAMAGED_PARTS,
        llm_options: Mapping[str, Any] | None = None,
        estimate: EstimateData | None = None,
        markets: MarketsLike | None = None,
        **manager_options: Any,
    ) -> None:
        self.markets = load_markets(markets)
        the_market = self.markets.get(market)
        self._check_options(
            catalog, planner, report_deadline, report_ttl, max_reports, max_alternatives,
            warm_vehicle, llm_options, estimate, manager_options,
        )  # fmt: skip
        self.max_text_chars = _number("max_text_chars", max_text_chars, minimum=1, integer=True)
        self.max_damaged_parts = _number(
            "max_damaged_parts", max_damaged_parts, minimum=1, integer=True
        )
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
        _warn_pass_through(llm_options, manager_options)
        self.market: str = the_market.code
        self.estimate = estimate if estimate is not None else EstimateData.load()
        self.estimate.rates.market(the_market)  # a market the rates do not cover fails here
        self.report_deadline = report_deadline
        self.max_alternatives = max_alternatives
        self.warm_vehicle = warm_vehicle
        self.reports = ReportCache(ttl=report_ttl, max_entries=max_reports)
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
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_guard: AsyncGenerator[None, None] | None = None

    @staticmethod
    def _check_options(
        catalog: object,
        planner: object,
        report_deadline: object,
        report_ttl: object,
        max_reports: object,
        max_alternatives: object,
        warm_vehicle: object,
        llm_options: object,
        estimate: object,
        manager_options: Mapping[str, object],
    ) -> None:
        """An InputError naming the first argument of the wrong type or value."""
        if catalog is not None:
            _instance(
                "catalog",
                catalog,
                (str, os.PathLike, CatalogSource, BucketManager),
                "None, a directory, a URL, a CatalogSource or a BucketManager",
            )
        if not isinstance(planner, str) and not (
            isinstance(getattr(planner, "name", None), str)
            and callable(getattr(planner, "plan", None))
            and callable(getattr(planner, "aclose", None))
        ):
            raise InputError(
                f"planner must be 'rules', 'llm' or a Planner (name, plan(), aclose()), "
                f"not {type(planner).__name__}"
            )
        if not 0 < _number("report_deadline", report_deadline, minimum=0) < math.inf:
            raise InputError(f"report_deadline must be a positive number, not {report_deadline!r}")
        _number("report_ttl", report_ttl, minimum=0)
        _number("max_reports", max_reports, minimum=0, integer=True)
        _number("max_alternatives", max_alternatives, minimum=0, integer=True)
        _instance("warm_vehicle", warm_vehicle, bool, "True or False")
        if llm_options is not None:
            _instance("llm_options", llm_options, Mapping, "a mapping of LLMPlanner options")
        if estimate is not None:
            _instance("estimate", estimate, EstimateData, "an EstimateData (EstimateData.load())")
        known = set(inspect.signature(BucketManager).parameters) - {"source"}
        unknown = sorted(set(manager_options) - known)
        if unknown:
            raise InputError(
                f"unknown option(s) {', '.join(unknown)}; the agent's are documented on "
                "PartsAgent; the catalog's go to a BucketManager you pass as the catalog"
            )

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
            try:
                planner = LLMPlanner(**options)
            except TypeError as exc:  # an option LLMPlanner does not take
                raise InputError(f"llm_options: {exc}") from None
            self._planners["llm"] = planner
        return planner

    async def _bind_loop(self) -> None:
        """Tie the agent to the event loop of its first use, and to that loop's end.

        Its sessions, locks and tasks belong to that loop: another loop (a
        second ``asyncio.run``) is refused before anything is touched. When the
        loop shuts down (``asyncio.run`` returning, ``loop.shutdown_asyncgens()``)
        the agent is closed with it, so no session is left open.
        """
        loop = asyncio.get_running_loop()
        if self._loop is loop:
            return
        if self._loop is not None:
            raise UsageError(
                "this PartsAgent belongs to one event loop, the one it was first used in "
                "(one asyncio.run); create one agent per event loop, or run all its work "
                "in one loop"
            )
        self._loop = loop
        guard = self._closed_with_loop()
        await anext(guard)  # now suspended: the loop's shutdown_asyncgens() will close it
        self._loop_guard = guard

    async def _closed_with_loop(self) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            self._loop_guard = None
            await self.aclose()

    async def _open(self) -> None:
        await self._bind_loop()
        if self._closed:
            raise UsageError("this PartsAgent is closed; create a new one")
        await self.catalog.__aenter__()

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
        guard, self._loop_guard = self._loop_guard, None
        if guard is not None:  # closed before its loop ends: let the loop forget it now
            await guard.aclose()

    async def clear_caches(self) -> None:
        """Forget every cached report and catalog document, e.g. after the catalog's prices changed.

        Clears the report cache (reports and the readings of inputs), the catalog's
        in-process documents, what the source learnt of the bucket (its packs), and
        this catalog's entries in a shared cache (Redis). Reports in flight finish
        with what they read, but are not kept. Raises CatalogUnavailable when the
        shared cache could not be cleared (the rest is cleared).
        """
        if self._closed:
            raise UsageError("this PartsAgent is closed; create a new one")
        await self._bind_loop()
        self.reports.clear()
        await self.catalog.clear_cache()

    async def process_damage_report(
        self,
        vehicle: Vehicle | Mapping[str, Any],
        damaged_parts: Sequence[DamagedPart | Mapping[str, Any]] | str,
        *,
        planner: str | None = None,
        market: str | None = None,
        rates: RatesLike | None = None,
    ) -> PartsReport:
        """The estimate for one damage report; cached and coalesced by meaning.

        ``rates``: other rates for this call only (a Rates value or a rates file's
        path; its markets replace the agent's, the others stay).
        """
        await self._bind_loop()
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

    def process_batch(
        self,
        reports: Iterable[BatchItem] | AsyncIterable[BatchItem],
        *,
        concurrency: int = 16,
    ) -> AsyncIterator[BatchResult]:
        """One BatchResult per report, in input order, as each is ready; an async iterator.

        ``reports`` yields mappings like ``{"vehicle": ..., "damaged_parts": ...}``
        (optionally ``planner`` and ``market``), from a list, a generator or an
        async iterable of any length. At most ``concurrency`` reports run at
        once and a bounded window of finished ones waits for a slower one
        before them, so memory does not grow with the batch. A report that
        fails is a result whose ``error`` is the PartsAgentError it raised: the
        batch goes on. An item that is itself a PartsAgentError (a reader that
        could not parse that input) is that item's error, in its place. Leaving
        the loop early cancels the reports in flight.
        """
        if self._closed:
            raise UsageError("this PartsAgent is closed; create a new one")
        return run_batch(self.process_damage_report, reports, concurrency=concurrency)

    async def _process(
        self,
        vehicle: Vehicle | Mapping[str, Any],
        damaged_parts: Sequence[DamagedPart | Mapping[str, Any]] | str,
        planner: str | None,
        market: str | None,
        rates: RatesLike | None,
    ) -> PartsReport:
        started = time.perf_counter()
        v = coerce_vehicle(vehicle)
        damage = coerce_damage(
            damaged_parts, max_text_chars=self.max_text_chars, max_parts=self.max_damaged_parts
        )
        if planner is not None:
            _instance("planner", planner, str, "'rules', 'llm' or the name of a Planner")
        planner_name = planner or self.default_planner
        the_market = self.markets.get(market if market is not None else self.market)
        rates = _rates(rates)
        data = self.estimate if rates is None else self.estimate.with_rates(rates)
        data.rates.market(the_market)  # a market these rates do not cover fails before any work
        the_input = input_key(v, damage, planner=planner_name, market=the_market.code)
        plan: Plan | None = self.reports.plan_for(the_input)
        with collect_performance() as perf:
            try:
                with anyio.fail_after(self.report_deadline):
                    if plan is None:
                        the_planner = self._planner(planner_name)
                        request = PlanRequest(
                            vehicle=v,
                            damage=damage,
                            market=the_market,
                            secondary_parts=data.secondary_parts,
                            build_cues=data.cues,
                            evidence=data.evidence,
                        )
                        async with timer("agent.plan", planner=planner_name):
                            plan = await the_planner.plan(self.catalog, request)
                        if plan.build is None:  # a planner of the caller's own: read it for them
                            plan = dataclasses.replace(
                                plan, build=request.read_build(plan.resolution)
                            )
                        self.reports.remember_plan(the_input, plan)
                    key = meaning_key(plan, planner=planner_name, market=the_market.code, data=data)
                    meaning, outcome = await self.reports.get_or_compute(
                        key,
                        lambda: price_plan(
                            self.catalog,
                            plan,
                            planner=planner_name,
                            max_alternatives=self.max_alternatives,
                            warm_vehicle=self.warm_vehicle,
                            market=the_market,
                            estimate=data,
                        ),
                    )
            except TimeoutError:
                if plan is None and planner_name != "rules":
                    # Still planning: the model (or the look-ups it asked for) took the time.
                    raise PlannerError(
                        f"the {planner_name} planner did not finish within the "
                        f"{self.report_deadline:g}s report deadline; raise report_deadline "
                        "or check the model endpoint"
                    ) from None
                raise CatalogUnavailable(
                    "report", f"not complete within the {self.report_deadline:g}s report deadline"
                ) from None
        # Every answer, computed or cached, gets this caller's words the same way.
        report = in_their_words(meaning, plan, data)
        return _with_performance(report, started, outcome, perf.snapshot(), self.catalog)


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
    report: PartsReport,
    started: float,
    outcome: str,
    perf: Mapping[str, Any] | None,
    manager: BucketManager,
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
    # The manager's figures as this report left it: hit rate, sizes, requests, per kind.
    performance["cache_stats"] = manager.get_cache_stats()
    if "llm_usage" in report.performance:
        performance["llm_usage"] = report.performance["llm_usage"]
    return report.model_copy(update={"performance": performance})
