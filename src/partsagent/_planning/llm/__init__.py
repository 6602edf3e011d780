"""The LLM planner: tool schemas, the model client, the conversation loop."""

from __future__ import annotations

from .planner import DEFAULT_MODEL, SYSTEM_PROMPT, TOOLS, LLMPlanner

__all__ = ["DEFAULT_MODEL", "SYSTEM_PROMPT", "TOOLS", "LLMPlanner"]
