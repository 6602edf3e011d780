"""A plain asyncio script: several damage reports at once through one PartsAgent.

Run it with ``python examples/script.py [CATALOG]`` (a bucket directory or URL;
the embedded sample catalog when omitted).
"""

from __future__ import annotations

import asyncio
import sys

from partsagent import PartsAgent, PartsAgentError, PartsReport

__all__ = ["REPORTS", "main", "run"]

REPORTS: list[tuple[dict[str, object], list[dict[str, str]] | str]] = [
    (
        {"make": "Vauxhall", "model": "Astra", "year": 2018},
        [
            {"component": "front bumper", "severity": "severe"},
            {"component": "headlight", "severity": "moderate"},
        ],
    ),
    ({"make": "Ford", "model": "Focus", "year": 2020}, "rear bumper cracked, tail light broken"),
    ({"make": "Nosuchmake", "model": "X", "year": 2020}, [{"component": "bonnet"}]),
]


async def run(catalog: str | None = None) -> list[PartsReport | PartsAgentError]:
    """Every report of REPORTS, concurrently; a failed one is its PartsAgentError."""
    async with PartsAgent(catalog) as agent:
        results = await asyncio.gather(
            *(agent.process_damage_report(vehicle, damage) for vehicle, damage in REPORTS),
            return_exceptions=True,
        )
    out: list[PartsReport | PartsAgentError] = []
    for result in results:
        if isinstance(result, PartsReport | PartsAgentError):
            out.append(result)
        else:
            raise result  # not ours: a bug, let it show
    return out


def main() -> None:
    catalog = sys.argv[1] if len(sys.argv) > 1 else None
    for (vehicle, _), result in zip(REPORTS, asyncio.run(run(catalog)), strict=True):
        print(f"{vehicle['make']} {vehicle['model']}:")
        if isinstance(result, PartsAgentError):
            print(f"  failed: {result}")
            continue
        for line in result.lines:
            print(f"  {line.reason:<10} {line.category.name:<28} {line.price.amount:>9}")
        print(f"  total {result.totals.total.amount} {result.totals.total.currency}")


if __name__ == "__main__":
    main()
