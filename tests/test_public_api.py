"""The public API: what partsagent exports, and that it is complete."""

from __future__ import annotations

import inspect

import partsagent
from partsagent import _exceptions


def test_all_is_sorted_and_every_name_resolves() -> None:
    """__all__ is sorted and each name is importable from the package."""
    assert list(partsagent.__all__) == sorted(partsagent.__all__)
    for name in partsagent.__all__:
        assert getattr(partsagent, name) is not None


def test_every_exception_is_exported() -> None:
    """Each exception of the hierarchy is public and derives from PartsAgentError."""
    errors = {
        name
        for name, obj in vars(_exceptions).items()
        if inspect.isclass(obj)
        and issubclass(obj, Exception)
        and obj.__module__ == _exceptions.__name__
    }
    assert errors <= set(partsagent.__all__)
    for name in errors:
        assert issubclass(getattr(partsagent, name), partsagent.PartsAgentError)
    assert issubclass(partsagent.CircuitOpen, partsagent.CatalogUnavailable)


def test_main_classes_are_public() -> None:
    """The classes the docs start from are exported at the top level."""
    for name in (
        "PartsAgent",
        "PartsReport",
        "BucketManager",
        "HttpBucket",
        "LocalBucket",
        "EstimateData",
        "Operation",
    ):
        assert name in partsagent.__all__
    assert partsagent.LLMPlanner.__name__ == "LLMPlanner"
    assert callable(partsagent.redis_cache)
