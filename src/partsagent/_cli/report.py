"""``partsagent report``: one damage report, or a JSONL batch of them."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any, TextIO

import orjson
import structlog

from .._agent import PartsAgent
from .._exceptions import InputError
from .._metrics import SummaryAggregator, install_aggregator, uninstall_aggregator
from .._models import DamagedPart, Severity, Vehicle
from .._pricing.report import PartsReport
from .batch import run_batch
from .render import render_report

__all__ = ["parse_damage", "parse_vehicle", "register_report"]

DEFAULT_BATCH_CONCURRENCY = 16


def parse_damage(text: str) -> DamagedPart:
    """'Front Bumper Cover:severe' -> DamagedPart; without ':severity' it is moderate."""
    component, sep, severity = text.rpartition(":")
    if not sep:
        component, severity = text, Severity.MODERATE.value
    severity = severity.strip().lower()
    if severity not in {s.value for s in Severity}:
        raise InputError(
            f"unknown severity {severity!r} in --damage {text!r}; use minor, moderate or severe"
        )
    if not component.strip():
        raise InputError(f"--damage {text!r} names no component; e.g. 'Front Bumper Cover:severe'")
    return DamagedPart(component=component, severity=Severity(severity))


async def parse_vehicle(agent: PartsAgent, text: str) -> Vehicle:
    """'Vauxhall Astra 2018' -> make, model, year; the longest known make prefix wins.

    A known make alone ('Ford 2019') or a model alone ('Golf') is kept as it
    is: resolving it lists the candidates to choose from.
    """
    words = text.split()
    year: int | None = None
    if words and words[-1].isdigit() and len(words[-1]) == 4:
        year = int(words.pop())
    if not words:
        raise InputError(f"--vehicle {text!r} needs a make and a model, e.g. 'Vauxhall Astra 2018'")
    names: set[str] = set()
    for m in await agent.catalog.get_manufacturers():
        names.update(" ".join(n.upper().split()) for n in (m.name, *m.aliases))
    split = 0
    for k in range(len(words), 0, -1):
        if " ".join(words[:k]).upper() in names:
            split = k
            break
    if split == 0 and len(words) > 1:
        split = 1  # an unknown make: resolving it names the closest ones
    make = " ".join(words[:split]) or None
    model = " ".join(words[split:]) or None
    return Vehicle(make=make, model=model, year=year)


def _configure_logging(stream: TextIO) -> SummaryAggregator:
    """Metric events feed the summary; log lines stay off stdout and stderr."""
    aggregator = SummaryAggregator(drop=True)
    structlog.configure(
        processors=[
            _only_critical,
            structlog.processors.add_log_level,
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=False,
    )
    install_aggregator(aggregator)
    return aggregator


def _only_critical(logger: object, method: str, event_dict: Any) -> Any:
    # Retries (stamina) and breaker changes are the library's business: the CLI
    # reports the outcome, or one error line, and nothing else.
    if method != "critical":
        raise structlog.DropEvent
    return event_dict


def _concurrency(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return int(text)


def _agent(args: argparse.Namespace) -> PartsAgent:
    return PartsAgent(args.catalog, planner=args.planner, market=args.market)


async def _one(args: argparse.Namespace) -> PartsReport:
    if args.damage is None and args.text is None:
        raise InputError("give at least one --damage 'Component:severity' or --text")
    damage: list[DamagedPart] | str = (
        [parse_damage(d) for d in args.damage] if args.damage else args.text
    )
    async with _agent(args) as agent:
        vehicle = await _vehicle(agent, args)
        return await agent.process_damage_report(vehicle, damage)


async def _vehicle(agent: PartsAgent, args: argparse.Namespace) -> Vehicle:
    """--vehicle, --model, --vin, or a VIN completed by --vehicle or --model (a partial decode)."""
    given = await parse_vehicle(agent, args.vehicle) if args.vehicle else None
    if args.model:
        if given is not None and given.model is not None:
            raise InputError("give the model once: in --vehicle or in --model, not both")
        given = Vehicle(
            make=given.make if given else None,
            model=args.model,
            year=given.year if given else None,
        )
    if args.vin:
        # The VIN wins where it speaks; the rest fills in what it does not say.
        return Vehicle(
            vin=args.vin,
            make=given.make if given else None,
            model=given.model if given else None,
            year=given.year if given else None,
        )
    if given is None:
        raise InputError("give --vehicle 'Make Model Year', --vin, or --model")
    return given


def _report(args: argparse.Namespace) -> int:
    previous = structlog.get_config()
    aggregator = _configure_logging(sys.stderr)
    try:
        return _run_report(args, aggregator)
    finally:
        # main() may run inside a host process (tests, notebooks): leave its logging as it was.
        uninstall_aggregator(aggregator)
        structlog.configure(**previous)


def _run_report(args: argparse.Namespace, aggregator: SummaryAggregator) -> int:
    if args.batch:
        status = asyncio.run(run_batch(args, _agent(args), sys.stdout, sys.stderr))
        sys.stderr.write(aggregator.render_table() + "\n")
        return status
    report = asyncio.run(_one(args))
    if args.json:
        sys.stdout.write(
            orjson.dumps(report.model_dump(mode="json"), option=orjson.OPT_INDENT_2).decode() + "\n"
        )
    else:
        sys.stdout.write(render_report(report) + "\n")
    return 0


def register_report(commands: Any) -> None:
    """Add ``partsagent report`` to the command line."""
    report = commands.add_parser(
        "report",
        help="price the parts for a damage report",
        description=(
            "Turn a damage report into a fitment-checked, priced parts list. "
            "Example: partsagent report --vehicle 'Vauxhall Astra 2018' "
            "--damage 'Front Bumper Cover:severe' --damage 'Hood:minor'"
        ),
    )
    report.add_argument(
        "--vehicle",
        metavar="'MAKE MODEL YEAR'",
        help="e.g. 'Vauxhall Astra 2018'; with --vin, completes what the VIN does not say",
    )
    report.add_argument(
        "--vin",
        metavar="VIN",
        help="17-character VIN (needs the 'vin' extra); add --vehicle or --model if it "
        "gives only the make and year",
    )
    report.add_argument(
        "--model",
        metavar="MODEL",
        help="the model, e.g. to complete a VIN that gives only the make and year",
    )
    what = report.add_mutually_exclusive_group()
    what.add_argument(
        "--damage",
        action="append",
        metavar="'COMPONENT:SEVERITY'",
        help="a damaged part; repeat for more (severity: minor, moderate, severe)",
    )
    what.add_argument("--text", metavar="TEXT", help="free-text description of the damage")
    what.add_argument(
        "--batch",
        metavar="FILE.jsonl",
        help='one {"vehicle": ..., "damaged_parts": ...} per line ("-" for stdin); '
        "writes one JSON line per input line",
    )
    report.add_argument(
        "--catalog", metavar="DIR_OR_URL", help="bucket directory or URL (default: embedded)"
    )
    report.add_argument("--json", action="store_true", help="print the report as JSON")
    report.add_argument("--planner", choices=("rules", "llm"), default="rules")
    report.add_argument("--market", choices=("GB", "US"), default="GB")
    report.add_argument(
        "--concurrency",
        type=_concurrency,
        default=DEFAULT_BATCH_CONCURRENCY,
        metavar="N",
        help=f"reports in flight with --batch (default {DEFAULT_BATCH_CONCURRENCY})",
    )
    report.set_defaults(handler=_report)
