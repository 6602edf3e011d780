"""``partsagent report --batch``: a JSONL file of reports in, one JSON line per report out."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any, TextIO

import orjson

from .._agent import PartsAgent
from .._exceptions import InputError, PartsAgentError

__all__ = ["run_batch"]


def _read_batch(path: str) -> list[dict[str, Any]]:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read batch file {path!r}: {exc}") from None
    items: list[dict[str, Any]] = []
    # Split on "\n" only: JSON strings may hold U+2028 and other characters
    # that str.splitlines() would also split on.
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.removesuffix("\r")
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InputError(f"{path} line {n} is not JSON: {exc}") from None
        if not isinstance(item, dict) or "vehicle" not in item or "damaged_parts" not in item:
            raise InputError(
                f'{path} line {n} must be an object like {{"vehicle": ..., "damaged_parts": ...}}'
            )
        items.append(item)
    if not items:
        raise InputError(f"batch file {path!r} has no reports")
    return items


async def run_batch(args: argparse.Namespace, agent: PartsAgent, out: TextIO, err: TextIO) -> int:
    """One JSON line out per report in; the agent is closed at the end."""
    items = _read_batch(args.batch)
    results: list[bytes | None] = [None] * len(items)
    limit = asyncio.Semaphore(args.concurrency)
    done = 0
    show = err.isatty()

    async with agent:

        async def run(i: int, item: dict[str, Any]) -> None:
            nonlocal done
            async with limit:
                try:
                    report = await agent.process_damage_report(
                        item["vehicle"], item["damaged_parts"]
                    )
                    results[i] = orjson.dumps(report.model_dump(mode="json"))
                except PartsAgentError as exc:
                    error = {"type": type(exc).__name__, "message": str(exc)}
                    results[i] = orjson.dumps({"error": error})
            done += 1
            if show:
                filled = int(30 * done / len(items))
                err.write(f"\r[{'#' * filled}{' ' * (30 - filled)}] {done}/{len(items)}")
                err.flush()

        await asyncio.gather(*(run(i, item) for i, item in enumerate(items)))
    if show:
        err.write("\n")
    for line in results:
        out.write((line or b"{}").decode() + "\n")
    return 0
