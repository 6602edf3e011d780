"""partsagent: a vehicle damage report in, a fitment-checked, priced estimate out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._agent import PartsAgent
from ._batch import BatchResult
from ._catalog.breaker import CircuitBreaker, CircuitOpen
from ._catalog.http import HttpBucket
from ._catalog.local import LocalBucket
from ._catalog.manager import ArticleRequest, BucketManager, ItemResult
from ._catalog.open import open_catalog, sample_catalog_path
from ._catalog.source import CatalogSource
from ._exceptions import (
    CatalogError,
    CatalogFormatError,
    CatalogUnavailable,
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
from ._metrics import (
    SummaryAggregator,
    capture_metrics,
    collect_performance,
    install_aggregator,
    set_metrics_enabled,
    timer,
    uninstall_aggregator,
)
from ._models import (
    Article,
    CatalogIndex,
    Category,
    DamagedPart,
    Manufacturer,
    Model,
    Position,
    Price,
    ProductGroup,
    Severity,
    Variant,
    Vehicle,
)
from ._pricing.estimate import EstimateData, Rates
from ._pricing.report import Operation, PartsReport, ReportLine, Totals
from ._pricing.report_cache import AgentCacheManager
from ._sync import SyncPartsAgent

__all__ = [
    "AgentCacheManager",
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
]

if TYPE_CHECKING:
    from ._catalog.redis import redis_cache
    from ._planning.llm import LLMPlanner

    __version__: str


def __getattr__(name: str) -> Any:
    # Loaded when first asked for: the LLM planner pulls in openai (~0.4 s of
    # imports), redis_cache needs the optional 'redis' extra, and the version
    # comes from the installed package's metadata (pyproject's version: one source).
    if name == "__version__":
        from importlib.metadata import version

        return version("partsagent")
    if name == "LLMPlanner":
        from ._planning.llm import LLMPlanner

        return LLMPlanner
    if name == "redis_cache":
        from ._catalog.redis import redis_cache

        return redis_cache
    raise AttributeError(f"module 'partsagent' has no attribute {name!r}")
