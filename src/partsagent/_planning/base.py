"""The Planner protocol: a damage report in, a Plan out, through the tools."""

from __future__ import annotations

from typing import Protocol

from .._catalog.manager import BucketManager
from .._pricing.plan import Plan, PlanRequest

__all__ = ["Planner"]


class Planner(Protocol):
    """Turns a damage report into a Plan using the tools; the agent prices the plan.

    A plan's ``build`` is ``request.read_build(resolution)``: the caller's words
    beyond the parts, read once; the agent reads it for a planner that leaves it None.
    """

    name: str

    async def plan(self, catalog: BucketManager, request: PlanRequest) -> Plan: ...

    async def aclose(self) -> None: ...
