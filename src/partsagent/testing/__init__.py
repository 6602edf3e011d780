"""Helpers for testing code that uses partsagent: real servers on 127.0.0.1, captured metrics.

Nothing here is a mock: the catalog server is the project's own aiohttp
server, and the scripted OpenAI-compatible server speaks the real wire format.
The sample-catalog generator and the pure mapping functions that the
benchmarks' replaced design uses live here too. Runtime code never imports
this package.
"""

from __future__ import annotations

from .._catalog.source import BucketReader
from .._metrics import capture_metrics
from .._table import render_table
from ._faults import ServerOptions
from ._generate import generate_bucket
from ._llm_server import ScriptedOpenAIServer, Step, ToolCall
from ._mapping import MappedDamage, analyze_damage_propagation, match_component
from ._process import ServerProcess, start_server_process
from ._proxy import FaultProxy
from ._reports import SAMPLE_DAMAGES, SAMPLE_VEHICLES, sample_reports
from ._server import CatalogServer
from ._stats import ServerStats

__all__ = [
    "SAMPLE_DAMAGES",
    "SAMPLE_VEHICLES",
    "BucketReader",
    "CatalogServer",
    "FaultProxy",
    "MappedDamage",
    "ScriptedOpenAIServer",
    "ServerOptions",
    "ServerProcess",
    "ServerStats",
    "Step",
    "ToolCall",
    "analyze_damage_propagation",
    "capture_metrics",
    "generate_bucket",
    "match_component",
    "render_table",
    "sample_reports",
    "start_server_process",
]
