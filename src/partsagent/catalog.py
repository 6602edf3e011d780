"""The catalog: its sources, the manager that caches and retries, and its documents.

A source reads one catalog's documents (``LocalBucket`` a directory,
``HttpBucket`` a base URL, or your own class on ``BucketReader``, the base of
every source); ``BucketManager`` puts caching, retries, a deadline, a circuit
breaker and concurrency limits in front of it. Build one and hand it to
``PartsAgent(catalog=...)`` to configure the catalog. ``redis_cache`` needs
the ``redis`` extra and is loaded when first asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._catalog.breaker import CircuitBreaker
from ._catalog.fanout import ItemResult
from ._catalog.http import HttpBucket
from ._catalog.local import LocalBucket
from ._catalog.manager import ArticleRequest, BucketManager
from ._catalog.open import open_catalog, sample_catalog_path
from ._catalog.source import BucketReader, CatalogSource
from ._lazy import lazy_names as _lazy_names
from ._models import (
    Article,
    CatalogIndex,
    Category,
    Manufacturer,
    Model,
    Price,
    ProductGroup,
    Variant,
)

if TYPE_CHECKING:
    from ._catalog.redis import redis_cache

__all__ = [
    "Article",
    "ArticleRequest",
    "BucketManager",
    "BucketReader",
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
]


# redis_cache needs the optional 'redis' extra: loaded only when asked for.
__getattr__, __dir__ = _lazy_names(
    __name__, globals(), __all__, lazy={"redis_cache": "partsagent._catalog.redis"}
)
