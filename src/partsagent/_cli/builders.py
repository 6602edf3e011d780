"""What a report command builds: its catalog, its agent and its logging, in one process or a worker.

Below both the single report (``report.py``) and the worker processes
(``jobs.py``), so each builds the same agent the same way and imports run one way.
"""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any, TextIO

import structlog

from .._agent import PartsAgent
from .._catalog.manager import BucketManager
from .._metrics import SummaryAggregator, install_aggregator
from .._pricing.estimate import EstimateData
from .warnings import WarningLines

__all__ = ["build_agent", "build_catalog", "configure_logging"]


def configure_logging(stream: TextIO | None, *, for_good: bool) -> SummaryAggregator:
    """Metric events feed the summary; one line per kind of warning goes to ``stream``.

    ``for_good`` (the command owns the process: the command itself, a --jobs
    worker) lets structlog build each logger once (``cache_logger_on_first_use``)
    instead of once per event. Inside a host process (tests, notebooks) the
    configuration is put back afterwards, and a logger cached now would keep this
    one for good, so nothing is cached there. No ``stream`` (stderr closed): nowhere.
    """
    stream = stream or open(os.devnull, "w")  # noqa: SIM115  # lives as long as the process
    aggregator = SummaryAggregator(drop=True)
    structlog.configure(
        processors=[
            WarningLines(stream),
            structlog.processors.add_log_level,
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=for_good,
    )
    install_aggregator(aggregator)  # measurements are made only for a subscriber
    return aggregator


def build_catalog(args: argparse.Namespace) -> BucketManager:
    """The catalog, shared through Redis with --redis; the caller closes it (the agent does not)."""
    options: dict[str, Any] = {}
    if args.redis_url:
        options["redis"] = args.redis_url
        # A namespace of one's own; without it the manager names it after its catalog.
        namespace = os.environ.get("PARTSAGENT_REDIS_NAMESPACE") or None
        if namespace is not None:
            from .._catalog.redis import redis_cache

            options["cache"] = redis_cache(args.redis_url, namespace=namespace)
    if args.max_rate is not None:
        options["max_rate"] = args.max_rate
    return BucketManager(args.catalog, **options)


def build_agent(args: argparse.Namespace, catalog: BucketManager | None = None) -> PartsAgent:
    """The command line's agent; without ``catalog`` (a --jobs worker), on a catalog of its
    own, closed with the agent."""
    return PartsAgent(
        catalog if catalog is not None else build_catalog(args),
        planner=args.planner,
        market=args.market,
        markets=args.markets,
        max_text_chars=args.max_text_chars,
        max_damaged_parts=args.max_parts,
        estimate=EstimateData.load(policy=args.policy, rates=args.rates),
    )
