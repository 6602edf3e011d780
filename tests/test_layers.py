"""The floor plan: layers import only downwards, runtime never imports the tools, the API stays."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import partsagent

SRC = Path(partsagent.__file__).parent

#: Lowest first. A module may import from its own layer and the ones below it.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "_datafile",
        "_exceptions",
        "_input",
        "_lazy",
        "_lifecycle",
        "_markets",
        "_models",
        "_table",
        "_urls",
    ),
    ("_metrics",),
    ("_catalog",),
    ("_reading",),
    ("_pricing",),
    ("_planning",),
    ("_agent", "_batch", "_processes"),
    (
        "_cli",
        "__init__",
        "__main__",
        "_sync",
        "prometheus",
        "otel",
        "catalog",
        "planning",
        "metrics",
    ),
)
TOOLS = "testing"

#: The public API as it stood when the layout moved (issue 11): it must keep importing.
API_BEFORE_THE_MOVE = (
    "AgentCacheManager",
    "Article",
    "ArticleRequest",
    "BucketManager",
    "CatalogError",
    "CatalogFormatError",
    "CatalogIndex",
    "CatalogSource",
    "CatalogUnavailable",
    "Category",
    "CircuitBreaker",
    "CircuitOpen",
    "DamagedPart",
    "HttpBucket",
    "InputError",
    "InvalidIdentifier",
    "ItemResult",
    "LLMPlanner",
    "LocalBucket",
    "Manufacturer",
    "Model",
    "NotFound",
    "PartsAgent",
    "PartsAgentError",
    "PartsReport",
    "PlannerError",
    "Position",
    "Price",
    "ProductGroup",
    "ReportLine",
    "Severity",
    "SummaryAggregator",
    "UsageError",
    "Variant",
    "Vehicle",
    "capture_metrics",
    "collect_performance",
    "install_aggregator",
    "open_catalog",
    "redis_cache",
    "sample_catalog_path",
    "set_metrics_enabled",
    "timer",
    "uninstall_aggregator",
)


def _layer(top: str) -> int:
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"partsagent.{top} belongs to no layer; add it to LAYERS")


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(partsagent module, line, at module level) for every import of ``path``, resolved."""
    module = path.relative_to(SRC.parent).with_suffix("").parts
    package = module[:-1] if module[-1] != "__init__" else module[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join((*base, *(node.module.split(".") if node.module else ())))
            else:
                target = node.module or ""
            names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            found.extend((n, node.lineno, id(node) in top) for n in names)
        elif isinstance(node, ast.Import):
            found.extend((a.name, node.lineno, id(node) in top) for a in node.names)
    return [i for i in found if i[0].split(".")[0] == "partsagent"]


def _runtime_modules() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if p.relative_to(SRC).parts[0] != TOOLS]


@pytest.mark.parametrize("path", _runtime_modules(), ids=lambda p: str(p.relative_to(SRC.parent)))
def test_imports_go_down_or_sideways(path: Path) -> None:
    """A runtime module imports only from its own layer or a lower one, never the tools.

    The one exception: a command of the CLI may load a tool inside its handler
    (``catalog serve`` runs the catalog server), never at import time.
    """
    top_name = path.relative_to(SRC).parts[0].removesuffix(".py")
    own = _layer(top_name)
    for target, line, module_level in _imports(path):
        parts = target.split(".")
        if len(parts) == 1:
            continue  # "import partsagent" for a lazily loaded name in __init__
        if parts[1] == TOOLS:
            where = f"{path.name}:{line} imports {target}"
            assert top_name == "_cli", where
            assert not module_level, where
            continue
        assert _layer(parts[1]) <= own, f"{path.name}:{line} imports {target} from a layer above"


def test_import_loads_neither_the_server_nor_the_generator() -> None:
    """`import partsagent` loads no aiohttp.web, no openai, no tool module, no exporter."""
    code = (
        "import sys, partsagent; "
        "print(sorted(m for m in sys.modules if m == 'aiohttp.web' or m == 'openai' "
        "or m.startswith(('partsagent.testing', 'partsagent.prometheus', 'partsagent.otel'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("name", API_BEFORE_THE_MOVE)
def test_every_name_of_the_api_before_the_move_still_imports(name: str) -> None:
    """Every name that __all__ held before the layout moved still imports from the top.

    Names that since moved to a public module or were renamed (issue 20) warn as they do.
    """
    if name in partsagent.__all__:
        assert getattr(partsagent, name) is not None
        return
    with pytest.warns(DeprecationWarning, match=rf"partsagent\.{name} (moved|was renamed)"):
        assert getattr(partsagent, name) is not None


def _module_of(name: str) -> Path | None:
    """The file of a partsagent module (a package's __init__.py), or None for a name in one."""
    base = SRC.parent.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def test_no_module_imports_one_that_imports_it_back() -> None:
    """Imports run one way, inside functions too: no circle of runtime modules.

    A circle hides behind an import inside a function (the CLI's jobs once imported
    its builders from the report command, which imported jobs); a package's
    ``__init__`` only hands names on and is not a step of a circle.
    """
    graph: dict[Path, set[Path]] = {}
    for path in _runtime_modules():
        if path.name == "__init__.py":
            continue
        targets = set()
        for target, _, _ in _imports(path):
            found = _module_of(target) or _module_of(target.rpartition(".")[0])
            if found is not None and found.name != "__init__.py" and found != path:
                targets.add(found)
        graph[path] = targets
    seen: dict[Path, int] = {}  # 1: on the current path, 2: done

    def visit(node: Path, trail: list[Path]) -> None:
        seen[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if seen.get(nxt) == 1:
                loop = [*trail[trail.index(nxt) :], nxt]
                raise AssertionError(
                    "import circle: " + " -> ".join(str(p.relative_to(SRC)) for p in loop)
                )
            if nxt not in seen:
                visit(nxt, [*trail, nxt])
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            visit(node, [node])
