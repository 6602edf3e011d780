"""The public API: each public module's names, and the old paths that still work with a warning."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from types import ModuleType
from typing import Any

import pytest

import partsagent
from partsagent import InputError, PartsAgent, PlannerError
from partsagent.catalog import BucketManager
from partsagent.planning import LLMPlanner
from partsagent.testing import ScriptedOpenAIServer, Step

ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}

PUBLIC_MODULES = (
    "partsagent",
    "partsagent.catalog",
    "partsagent.planning",
    "partsagent.metrics",
    "partsagent.testing",
)

#: What the issue asks each new public module to hold, at least.
REQUIRED = {
    "partsagent": {"PartsAgent", "SyncPartsAgent", "PartsReport", "EstimateData", "Vehicle"},
    "partsagent.catalog": {
        "BucketReader",
        "LocalBucket",
        "HttpBucket",
        "BucketManager",
        "open_catalog",
        "CatalogIndex",
        "ArticleRequest",
    },
    "partsagent.planning": {"Planner", "Plan", "PlanRequest", "Need", "RulesPlanner", "LLMPlanner"},
    "partsagent.metrics": {
        "timer",
        "counter",
        "gauge",
        "SummaryAggregator",
        "install_aggregator",
        "capture_metrics",
        "collect_performance",
    },
}

#: partsagent.__all__ before the public modules: each name still imports from the top.
OLD_TOP_LEVEL = (
    "Article",
    "ArticleRequest",
    "BatchResult",
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
    "EstimateData",
    "HttpBucket",
    "InputError",
    "InvalidIdentifier",
    "ItemResult",
    "LLMPlanner",
    "LocalBucket",
    "Manufacturer",
    "MissingExtra",
    "Model",
    "NotFound",
    "Operation",
    "PartsAgent",
    "PartsAgentError",
    "PartsReport",
    "PlannerError",
    "Position",
    "Price",
    "ProductGroup",
    "Rates",
    "ReportLine",
    "Severity",
    "SummaryAggregator",
    "SyncPartsAgent",
    "Totals",
    "UnresolvedVehicle",
    "UsageError",
    "Variant",
    "Vehicle",
    "VehicleCandidate",
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

#: Names partsagent.testing offered that are no test tools: (name, where it lives now).
OLD_TESTING = (("BucketReader", "partsagent.catalog"), ("render_table", "partsagent._table"))


def _isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


def _new_home(name: str) -> str:
    """The public module that holds ``name`` now (partsagent itself if it stayed)."""
    homes = [m for m in PUBLIC_MODULES[1:-1] if name in importlib.import_module(m).__all__]
    assert len(homes) <= 1, f"{name} is exported by {homes}: one home per name"
    return homes[0] if homes else "partsagent"


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_is_sorted_and_complete(name: str) -> None:
    """__all__ is sorted, each name resolves, and each public name the module holds is in it."""
    module = importlib.import_module(name)
    names: list[str] = list(module.__all__)
    assert names == sorted(names, key=_isort_key)
    assert len(set(names)) == len(names)
    for n in names:
        assert getattr(module, n) is not None, n
    held = {
        n
        for n, value in vars(module).items()
        if not n.startswith("_")
        and not isinstance(value, ModuleType)
        and getattr(value, "__module__", "").startswith("partsagent")
    }
    assert held <= set(names), f"{name} holds public names outside __all__: {held - set(names)}"
    assert REQUIRED.get(name, set()) <= set(names)
    assert set(names) <= set(dir(module))


def _runtime_modules() -> list[ModuleType]:
    found = [partsagent]
    for info in pkgutil.walk_packages(partsagent.__path__, "partsagent."):
        if not info.name.startswith(("partsagent.testing", "partsagent.__main__")):
            found.append(importlib.import_module(info.name))
    return found


def test_every_exception_is_exported_at_the_top() -> None:
    """Each public exception class any runtime module defines is in partsagent.__all__."""
    errors = {
        obj
        for module in _runtime_modules()
        for name, obj in vars(module).items()
        if inspect.isclass(obj)
        and issubclass(obj, BaseException)
        and obj.__module__.startswith("partsagent")
        and not name.startswith("_")
    }
    assert {"CircuitOpen", "MissingExtra", "NotFound"} <= {e.__name__ for e in errors}
    for error in errors:
        assert error.__name__ in partsagent.__all__, error
        assert getattr(partsagent, error.__name__) is error
        assert issubclass(error, partsagent.PartsAgentError)


def test_the_public_modules_load_neither_the_server_nor_openai() -> None:
    """Importing every public module loads no aiohttp.web, no openai, no test tool."""
    code = (
        "import sys, partsagent, partsagent.catalog, partsagent.planning, partsagent.metrics; "
        "print(sorted(m for m in sys.modules if m in ('aiohttp.web', 'openai', 'redis') "
        "or m.startswith('partsagent.testing')))"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("name", OLD_TOP_LEVEL)
def test_every_old_top_level_name_still_imports(name: str) -> None:
    """A name that stayed imports silently; one that moved warns, naming its new home."""
    home = _new_home(name)
    new = getattr(importlib.import_module(home), name)
    if home == "partsagent":
        assert name in partsagent.__all__
        return
    assert name not in partsagent.__all__
    namespace: dict[str, Any] = {}
    with pytest.warns(DeprecationWarning, match=rf"from {home} import {name}'") as caught:
        exec(f"from partsagent import {name}", namespace)
    assert namespace[name] is new
    assert all(w.filename == "<string>" for w in caught)  # the warning points at the import
    with pytest.warns(DeprecationWarning, match=rf"partsagent\.{name} moved"):
        assert getattr(partsagent, name) is new


@pytest.mark.parametrize(("name", "home"), OLD_TESTING)
def test_old_testing_names_warn_and_still_work(name: str, home: str) -> None:
    """partsagent.testing keeps what was no test tool for a release, with a warning."""
    import partsagent.testing

    assert name not in partsagent.testing.__all__
    with pytest.warns(DeprecationWarning, match=rf"testing\.{name} is not a test tool"):
        got = partsagent.testing.__getattr__(name)
    assert got is getattr(importlib.import_module(home), name)


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_an_unknown_name_is_an_attribute_error(module: str) -> None:
    """A misspelt name is an AttributeError naming it, not a warning or None."""
    missing = "no_such_name"
    with pytest.raises(AttributeError, match=missing):
        getattr(importlib.import_module(module), missing)


def test_an_unknown_agent_option_names_itself_not_a_hidden_class() -> None:
    """PartsAgent(bogus=1) is an InputError about bogus, with no word of BucketManager.__init__."""
    with pytest.raises(InputError, match="bogus") as caught:
        PartsAgent(bogus=1)
    assert "__init__" not in str(caught.value)


async def test_old_manager_keywords_warn_and_still_configure_the_catalog() -> None:
    """PartsAgent(max_concurrency=..., deadline=...) warns, and the manager it builds has them."""
    with pytest.warns(DeprecationWarning, match=r"\(deadline, max_concurrency\).*BucketManager"):
        agent = PartsAgent(max_concurrency=7, deadline=4.5)
    async with agent:
        assert agent.catalog.max_concurrency == 7
        report = await agent.process_damage_report(ASTRA, "front bumper smashed")
    assert report.lines
    built = BucketManager(max_concurrency=7, deadline=4.5)
    async with built, PartsAgent(built) as agent:  # the new way: no warning
        assert agent.catalog is built


async def test_old_llm_options_warn_and_still_reach_the_planner() -> None:
    """PartsAgent(planner="llm", llm_options=...) warns, and the model is called as configured."""
    key = "test-key"
    async with ScriptedOpenAIServer([Step.fail(401, "bad key")] * 2, api_key=key) as server:
        options = {"base_url": server.base_url, "api_key": key, "model": "m1", "max_retries": 0}
        with pytest.warns(DeprecationWarning, match=r"planner=LLMPlanner\(\.\.\.\)"):
            agent = PartsAgent(planner="llm", llm_options=options)
        async with agent:
            with pytest.raises(PlannerError):
                await agent.process_damage_report(ASTRA, "bonnet dented")
        planner = LLMPlanner(base_url=server.base_url, api_key=key, model="m2", max_retries=0)
        async with PartsAgent(planner=planner) as agent:  # the new way: no warning
            with pytest.raises(PlannerError):
                await agent.process_damage_report(ASTRA, "bonnet dented")
    assert server.failures == []
    assert [body["model"] for body in server.requests] == ["m1", "m2"]


def test_every_exception_lives_in_the_one_hierarchy_module() -> None:
    """Each exported exception is defined in _exceptions.py; old homes re-export the same class."""
    from partsagent._catalog.breaker import CircuitOpen

    assert CircuitOpen is partsagent.CircuitOpen
    for name in partsagent.__all__:
        obj = getattr(partsagent, name)
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            assert obj.__module__ == "partsagent._exceptions", name


def test_the_report_cache_keeps_its_old_name_with_a_warning() -> None:
    """AgentCacheManager was renamed ReportCache ("Manager" named BucketManager too)."""
    namespace: dict[str, Any] = {}
    with pytest.warns(DeprecationWarning, match=r"renamed partsagent\.ReportCache"):
        exec("from partsagent import AgentCacheManager", namespace)
    assert namespace["AgentCacheManager"] is partsagent.ReportCache
    assert "AgentCacheManager" not in partsagent.__all__
