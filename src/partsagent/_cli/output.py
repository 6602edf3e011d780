"""A report as JSON on the command line: ``--json`` and every line of ``--batch``."""

from __future__ import annotations

import argparse
from typing import Any

from .._pricing.report import PartsReport

__all__ = ["report_bytes", "report_json"]


def report_json(report: PartsReport, args: argparse.Namespace) -> dict[str, Any]:
    """The report's fields; without ``performance`` (timings, cache figures) under
    ``--no-performance``, so that equal input gives equal bytes."""
    return report.model_dump(mode="json", exclude={"performance"} if args.no_performance else None)


def report_bytes(report: PartsReport, args: argparse.Namespace) -> bytes:
    """``report_json`` as one compact JSON line, serialized once (a line of ``--batch``)."""
    exclude = {"performance"} if args.no_performance else None
    return report.__pydantic_serializer__.to_json(report, exclude=exclude)
