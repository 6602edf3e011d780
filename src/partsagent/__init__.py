"""partsagent: a vehicle damage report in, a fitment-checked, priced estimate out.

The top level holds what every caller uses: the agent, the input and report
models, the estimate's data and the errors. The parts you configure or extend
have their own public modules: ``partsagent.catalog`` (sources, the
BucketManager, catalog documents), ``partsagent.planning`` (the Planner
protocol and the planners), ``partsagent.metrics`` (timers, counters, the
aggregator), ``partsagent.testing`` (test tools: real servers, sample data).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._batch import BatchResult
from ._exceptions import (
    CatalogError,
    CatalogFormatError,
    CatalogUnavailable,
    CircuitOpen,
    InputError,
    InvalidIdentifier,
    MissingExtra,
    NotFound,
    PartsAgentError,
    PlannerError,
    UnresolvedVehicle,
    UsageError,
    VehicleCandidate,
)
from ._lazy import lazy_names as _lazy_names
from ._models import DamagedPart, Position, ReportWarning, Severity, Vehicle, WarningCode
from ._pricing.report import Operation, PartsReport, ReportLine, Totals

__all__ = [
    "BatchResult",
    "CatalogError",
    "CatalogFormatError",
    "CatalogUnavailable",
    "CircuitOpen",
    "DamagedPart",
    "EstimateData",
    "InputError",
    "InvalidIdentifier",
    "MissingExtra",
    "NotFound",
    "Operation",
    "PartsAgent",
    "PartsAgentError",
    "PartsReport",
    "PlannerError",
    "Position",
    "Rates",
    "ReportCache",
    "ReportLine",
    "ReportWarning",
    "Severity",
    "SyncPartsAgent",
    "Totals",
    "UnresolvedVehicle",
    "UsageError",
    "Vehicle",
    "VehicleCandidate",
    "WarningCode",
    "process_batch_in_processes",
]

#: Names that left the top level for a public submodule: they still import from
#: here, with a DeprecationWarning, until the release after next.
_MOVED: dict[str, str] = {
    **dict.fromkeys(
        (
            "Article",
            "ArticleRequest",
            "BucketManager",
            "CatalogIndex",
            "CatalogSource",
            "Category",
            "CircuitBreaker",
            "HttpBucket",
            "ItemResult",
            "LocalBucket",
            "Manufacturer",
            "Model",
            "Price",
            "ProductGroup",
            "Variant",
            "open_catalog",
            "redis_cache",
            "sample_catalog_path",
        ),
        "catalog",
    ),
    "LLMPlanner": "planning",
    **dict.fromkeys(
        (
            "SummaryAggregator",
            "capture_metrics",
            "collect_performance",
            "install_aggregator",
            "set_metrics_enabled",
            "timer",
            "uninstall_aggregator",
        ),
        "metrics",
    ),
}

if TYPE_CHECKING:
    from ._agent import PartsAgent as PartsAgent
    from ._catalog.breaker import CircuitBreaker as CircuitBreaker
    from ._catalog.fanout import ItemResult as ItemResult
    from ._catalog.http import HttpBucket as HttpBucket
    from ._catalog.local import LocalBucket as LocalBucket
    from ._catalog.manager import ArticleRequest as ArticleRequest
    from ._catalog.manager import BucketManager as BucketManager
    from ._catalog.open import open_catalog as open_catalog
    from ._catalog.open import sample_catalog_path as sample_catalog_path
    from ._catalog.redis import redis_cache as redis_cache
    from ._catalog.source import CatalogSource as CatalogSource
    from ._metrics import SummaryAggregator as SummaryAggregator
    from ._metrics import capture_metrics as capture_metrics
    from ._metrics import collect_performance as collect_performance
    from ._metrics import install_aggregator as install_aggregator
    from ._metrics import set_metrics_enabled as set_metrics_enabled
    from ._metrics import timer as timer
    from ._metrics import uninstall_aggregator as uninstall_aggregator
    from ._models import Article as Article
    from ._models import CatalogIndex as CatalogIndex
    from ._models import Category as Category
    from ._models import Manufacturer as Manufacturer
    from ._models import Model as Model
    from ._models import Price as Price
    from ._models import ProductGroup as ProductGroup
    from ._models import Variant as Variant
    from ._planning.llm import LLMPlanner as LLMPlanner
    from ._pricing.estimate import EstimateData as EstimateData
    from ._pricing.estimate import Rates as Rates
    from ._pricing.report_cache import ReportCache as ReportCache
    from ._processes import process_batch_in_processes as process_batch_in_processes
    from ._sync import SyncPartsAgent as SyncPartsAgent

    __version__: str


def _version() -> str:
    # From the installed package's metadata (pyproject's version: one source).
    from importlib.metadata import version

    return version("partsagent")


def _agent_cache_manager() -> type[ReportCache]:
    # Renamed: "Manager" named two things (this and BucketManager); one word, one concept.
    import warnings

    from ._pricing.report_cache import ReportCache

    warnings.warn(
        "partsagent.AgentCacheManager was renamed partsagent.ReportCache; "
        "import it with 'from partsagent import ReportCache'",
        DeprecationWarning,
        stacklevel=3,
    )
    return ReportCache


# The agent (the reading, the pricing, the catalog client) and process_batch_in_processes
# (multiprocessing) load when first named: `import partsagent` for its models and errors
# (a web app's request types, a worker's unpickling) costs only those.
__getattr__, __dir__ = _lazy_names(
    __name__,
    globals(),
    __all__,
    lazy={
        "__version__": _version,
        "EstimateData": "partsagent._pricing.estimate",
        "PartsAgent": "partsagent._agent",
        "Rates": "partsagent._pricing.estimate",
        "ReportCache": "partsagent._pricing.report_cache",
        "SyncPartsAgent": "partsagent._sync",
        "process_batch_in_processes": "partsagent._processes",
        "AgentCacheManager": _agent_cache_manager,
    },
    moved={name: f"partsagent.{module}" for name, module in _MOVED.items()},
)
