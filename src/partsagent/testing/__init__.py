"""Helpers for testing code that uses partsagent: real servers on 127.0.0.1, captured metrics.

Nothing here is a mock: the catalog server is the project's own aiohttp
server, and the scripted OpenAI-compatible server speaks the real wire format.
The sample-catalog generator and the pure mapping functions that the
benchmarks' replaced design uses live here too. Runtime code never imports
this package. ``capture_metrics`` is ``partsagent.metrics.capture_metrics``,
here too because tests are where it is used.
"""

from __future__ import annotations

import warnings
from importlib import import_module
from typing import TYPE_CHECKING, Any

from .._metrics import capture_metrics
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
    "sample_reports",
    "start_server_process",
]

#: Names that were here but are no test tools: (their module, what to do instead).
_MOVED: dict[str, tuple[str, str]] = {
    "BucketReader": (
        "partsagent.catalog",
        "import it with 'from partsagent.catalog import BucketReader'",
    ),
    "render_table": (
        "partsagent._table",
        "it is an internal helper and will be removed from here; copy it if you need it",
    ),
}

if TYPE_CHECKING:
    from .._catalog.source import BucketReader as BucketReader
    from .._table import render_table as render_table


def __getattr__(name: str) -> Any:
    moved = _MOVED.get(name)
    if moved is None:
        raise AttributeError(f"module 'partsagent.testing' has no attribute {name!r}")
    module, advice = moved
    warnings.warn(
        f"partsagent.testing.{name} is not a test tool and leaves partsagent.testing; {advice}",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(import_module(module), name)
