"""Helpers for testing code that uses partsagent: real servers on 127.0.0.1, captured metrics.

Nothing here is a mock: the catalog server is the project's own aiohttp
server, and the scripted OpenAI-compatible server speaks the real wire format.
"""

from __future__ import annotations

from .._metrics import capture_metrics
from ._llm_server import ScriptedOpenAIServer, Step, ToolCall
from ._server import CatalogServer, ServerOptions, ServerStats

__all__ = [
    "CatalogServer",
    "ScriptedOpenAIServer",
    "ServerOptions",
    "ServerStats",
    "Step",
    "ToolCall",
    "capture_metrics",
]
