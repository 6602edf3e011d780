"""``partsagent report``: one damage report, or a JSONL batch of them."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any, BinaryIO

import orjson
import structlog

from .._agent import PartsAgent
from .._exceptions import InputError
from .._input import (
    DEFAULT_MAX_DAMAGED_PARTS,
    DEFAULT_MAX_TEXT_CHARS,
    coerce_damage,
    coerce_vehicle,
)
from .._markets import load_markets
from .._metrics import SummaryAggregator, uninstall_aggregator
from .._models import DamagedPart, Severity, Vehicle
from .._pricing.report import PartsReport
from .._reading.vehicle_text import parse_vehicle, shorten
from .arguments import count, per_second, positive_int
from .batch import DEFAULT_MAX_LINE_BYTES, EXIT_INCOMPLETE, open_batch, run_batch
from .builders import build_agent, build_catalog, configure_logging
from .jobs import default_jobs_for, run_jobs
from .limits import check_limits
from .output import report_json
from .render import render_report

__all__ = [
    "parse_damage",
    "parse_vin",
    "register_report",
]

DEFAULT_BATCH_CONCURRENCY = 16


def parse_damage(text: str) -> DamagedPart:
    """'Front Bumper Cover:severe' -> DamagedPart, validated as the Python API validates it.

    Without a ':minor', ':moderate' or ':severe' suffix the whole text is the
    component, read like free text ("rear bumper cracked and the right tail
    light smashed", "Impact N/S/F: F/B split"): its words give the severity. A
    single other word after the last colon is a mistyped severity (InputError).
    """
    component, sep, severity = text.rpartition(":")
    word = severity.strip().lower()
    severities = {s.value for s in Severity}
    if sep and len(word.split()) == 1 and word not in severities:
        raise InputError(
            f"unknown severity {shorten(severity)!r} in --damage {shorten(text)!r}; "
            "use minor, moderate or severe"
        )
    item: dict[str, str] = {"component": text}
    if sep and word in severities:
        if not component.strip():
            raise InputError(
                f"--damage {shorten(text)!r} names no component; e.g. 'Front Bumper Cover:severe'"
            )
        item = {"component": component, "severity": word}
    try:
        parts = coerce_damage([item])
    except InputError as exc:
        raise InputError(f"--damage {shorten(text)!r}: {exc}") from None
    assert isinstance(parts, tuple)
    return parts[0]


def parse_vin(text: str, variant_id: str | None = None) -> Vehicle:
    """--vin: a Vehicle, validated as the Python API validates it."""
    try:
        return coerce_vehicle({"vin": text, "variant_id": variant_id})
    except InputError as exc:
        raise InputError(f"--vin {shorten(text)!r}: {exc}") from None


async def _one(args: argparse.Namespace) -> PartsReport:
    if args.damage is None and args.text is None:
        raise InputError("give at least one --damage 'Component:severity' or --text")
    check_limits(args.damage or args.text, args)
    damage: list[DamagedPart] | str = (
        [parse_damage(d) for d in args.damage] if args.damage else args.text
    )
    async with build_catalog(args) as catalog, build_agent(args, catalog) as agent:
        vehicle = await _vehicle(agent, args)
        return await agent.process_damage_report(vehicle, damage)


async def _vehicle(agent: PartsAgent, args: argparse.Namespace) -> Vehicle:
    """--vehicle, --model, --vin, or a VIN completed by --vehicle or --model (a partial decode)."""
    given = None
    if args.vehicle:
        given = await parse_vehicle(agent.catalog, args.vehicle, args.variant, label="--vehicle")
    if args.model:
        if given is not None and given.model is not None:
            raise InputError("give the model once: in --vehicle or in --model, not both")
        try:
            given = coerce_vehicle(
                {
                    "make": given.make if given else None,
                    "model": args.model,
                    "year": given.year if given else None,
                    "variant_id": args.variant,
                }
            )
        except InputError as exc:
            raise InputError(f"--model {shorten(args.model)!r}: {exc}") from None
    if args.vin:
        vin = parse_vin(args.vin, args.variant)
        if given is None:
            return vin
        # The VIN wins where it speaks; the rest fills in what it does not say.
        return vin.model_copy(update={"make": given.make, "model": given.model, "year": given.year})
    if given is None:
        raise InputError("give --vehicle 'Make Model Year', --vin, or --model")
    return given


def _report(args: argparse.Namespace) -> int:
    if sys.stdout is None:
        raise InputError("standard output is closed; there is nowhere to write the report")
    stream = sys.stderr  # None when closed: configure_logging then logs nowhere
    if args.owns_process:
        return _run_report(args, configure_logging(stream, for_good=True))
    previous = structlog.get_config() if structlog.is_configured() else None
    aggregator: SummaryAggregator | None = None
    try:
        aggregator = configure_logging(stream, for_good=False)
        return _run_report(args, aggregator)
    finally:
        # main() runs inside a host process (tests, notebooks): leave its logging as it was,
        # unconfigured included (the library's warnings then stay silent there).
        if aggregator is not None:
            uninstall_aggregator(aggregator)
        if previous is None:
            structlog.reset_defaults()
        else:
            structlog.configure(**previous)


async def _batch(args: argparse.Namespace, source: BinaryIO) -> int:
    async with build_catalog(args) as catalog:
        return await run_batch(
            args, build_agent(args, catalog), source, sys.stdout.buffer, sys.stderr
        )


def _run_report(args: argparse.Namespace, aggregator: SummaryAggregator) -> int:
    if args.skip and not args.batch:
        raise InputError("--skip applies to --batch only")
    if args.jobs is not None and not args.batch:
        raise InputError("--jobs applies to --batch only")
    if args.batch:
        source = open_batch(args.batch)
        jobs = args.jobs or default_jobs_for(source)
        sys.stdout.flush()
        try:
            if jobs > 1:  # the workers print their own summaries
                return asyncio.run(run_jobs(args, source, sys.stdout.buffer, sys.stderr, jobs=jobs))
            status = asyncio.run(_batch(args, source))
        finally:
            if source is not getattr(sys.stdin, "buffer", None):
                source.close()
        if not (args.quiet or args.no_performance):
            sys.stderr.write(aggregator.render_table() + "\n")
        return status
    report = asyncio.run(_one(args))
    if args.json:
        data = report_json(report, args)
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        performance = not (args.quiet or args.no_performance)
        sys.stdout.write(render_report(report, performance=performance) + "\n")
    sys.stdout.flush()
    return 0 if report.complete else EXIT_INCOMPLETE


def register_report(commands: Any) -> None:
    """Add ``partsagent report`` to the command line."""
    report = commands.add_parser(
        "report",
        help="estimate a damage report: parts, labour, refinish, tax",
        description=(
            "Turn a damage report into a fitment-checked, priced estimate: parts, operations, "
            "labour, refinish and totals with tax. "
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
        help="a damaged part; repeat for more (severity: minor, moderate, severe; "
        "left out, the words decide); a sentence naming several parts is read as free text",
    )
    what.add_argument("--text", metavar="TEXT", help="free-text description of the damage")
    what.add_argument(
        "--batch",
        metavar="FILE.jsonl",
        help='one {"vehicle": ..., "damaged_parts": ...} per line ("-" for stdin); '
        "writes one JSON line per input line",
    )
    report.add_argument(
        "--catalog",
        metavar="DIR_OR_URL",
        default=os.environ.get("PARTSAGENT_CATALOG") or None,
        help="bucket directory or URL (default: $PARTSAGENT_CATALOG, else the embedded sample)",
    )
    report.add_argument(
        "--redis",
        "--redis-url",
        dest="redis_url",
        metavar="URL",
        default=os.environ.get("PARTSAGENT_REDIS_URL") or None,
        help="a Redis shared by processes and hosts (needs the 'redis' extra): the catalog "
        "cache, one limit of requests in flight at the catalog, one fetch per document "
        "(default: $PARTSAGENT_REDIS_URL)",
    )
    report.add_argument(
        "--json", action="store_true", help="print the report (or the error) as JSON"
    )
    report.add_argument(
        "--no-performance",
        action="store_true",
        help="leave timings and cache figures out (JSON, table and batch summary): "
        "equal input, equal bytes",
    )
    report.add_argument(
        "--quiet",
        action="store_true",
        help="leave out the table's performance line and the batch's summary on stderr",
    )
    report.add_argument("--planner", choices=("rules", "llm"), default="rules")
    report.add_argument(
        "--market",
        type=str.upper,
        default="GB",
        help="the market: its currency, tax, sides of 'driver' and 'passenger' and words "
        f"for parts; one of {', '.join(load_markets().codes)} (UK = GB) or one of --markets",
    )
    report.add_argument(
        "--markets",
        metavar="FILE",
        help="markets of your own (JSON, docs/configuration.md#markets), "
        "added to the packaged ones",
    )
    report.add_argument(
        "--variant",
        metavar="ID",
        help="the catalog variant id: price that build only "
        "(see partsagent catalog ls variants MANUFACTURER_ID MODEL_ID)",
    )
    report.add_argument(
        "--rates",
        metavar="FILE",
        help="rates and tax per market (JSON, docs/estimate.md); its markets replace the packaged",
    )
    report.add_argument(
        "--policy",
        metavar="FILE",
        help="your repair-or-replace policy (JSON, docs/estimate.md) instead of the packaged one",
    )
    report.add_argument(
        "--concurrency",
        type=positive_int,
        default=DEFAULT_BATCH_CONCURRENCY,
        metavar="N",
        help=f"reports in flight with --batch (default {DEFAULT_BATCH_CONCURRENCY})",
    )
    report.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help="worker processes for --batch (default: the number of cores, or 1 for a file of "
        "fewer than 200 lines; 1: this process only)",
    )
    report.add_argument(
        "--max-rate",
        type=per_second,
        default=None,
        metavar="N/s",
        help="at most N catalog requests a second (across processes with --redis)",
    )
    report.add_argument(
        "--skip",
        type=count,
        default=0,
        metavar="N",
        help="with --batch, skip the first N input lines (to resume a run that stopped)",
    )
    report.add_argument(
        "--max-line-bytes",
        type=positive_int,
        default=DEFAULT_MAX_LINE_BYTES,
        metavar="BYTES",
        help=f"longest --batch line (default {DEFAULT_MAX_LINE_BYTES}, 1 MiB)",
    )
    report.add_argument(
        "--max-text-chars",
        type=positive_int,
        default=DEFAULT_MAX_TEXT_CHARS,
        metavar="N",
        help=f"longest free-text description (default {DEFAULT_MAX_TEXT_CHARS})",
    )
    report.add_argument(
        "--max-parts",
        type=positive_int,
        default=DEFAULT_MAX_DAMAGED_PARTS,
        metavar="N",
        help=f"most damaged parts in one report (default {DEFAULT_MAX_DAMAGED_PARTS})",
    )
    report.set_defaults(handler=_report)
