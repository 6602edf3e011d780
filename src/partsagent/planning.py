"""Planning: the Planner protocol, the plan it returns, and the two planners shipped.

A planner turns a damage report (a ``PlanRequest``) into a ``Plan``: for each
damaged part, the ``Need`` to look up in the catalog. The agent prices the
plan. ``RulesPlanner`` is offline and deterministic; ``LLMPlanner`` uses
OpenAI tool calling and is loaded when first asked for (openai costs ~0.4 s
of imports). Pass a built planner as ``PartsAgent(planner=...)``; any object
with the ``Planner`` protocol (``name``, ``plan()``, ``aclose()``) will do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_names as _lazy_names
from ._planning.base import Planner
from ._planning.rules import RulesPlanner
from ._pricing.plan import Need, Plan, PlanRequest

if TYPE_CHECKING:
    from ._planning.llm import LLMPlanner

__all__ = ["LLMPlanner", "Need", "Plan", "PlanRequest", "Planner", "RulesPlanner"]


__getattr__, __dir__ = _lazy_names(
    __name__, globals(), __all__, lazy={"LLMPlanner": "partsagent._planning.llm"}
)
