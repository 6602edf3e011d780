"""``async with`` closes what the library opens, however the block ends."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from partsagent import DamagedPart, PartsAgent, UsageError, Vehicle
from partsagent._catalog.manager import BucketManager
from partsagent._lifecycle import AsyncResource
from partsagent._planning.llm import LLMPlanner
from partsagent._pricing.plan import PlanRequest
from partsagent.catalog import LocalBucket, sample_catalog_path
from partsagent.testing import CatalogServer


class Boom(Exception):
    pass


@pytest.fixture
async def catalog() -> AsyncIterator[BucketManager]:
    async with BucketManager() as manager:
        yield manager


async def test_an_llm_planner_left_by_an_error_is_closed(catalog: BucketManager) -> None:
    """The planner's client is closed when the block raises: a later plan is refused."""
    planner = LLMPlanner(base_url="http://127.0.0.1:9/v1", api_key="k", model="m")
    with pytest.raises(Boom):
        async with planner:
            raise Boom
    request = PlanRequest(
        vehicle=Vehicle(make="Vauxhall", model="Astra", year=2018),
        damage=[DamagedPart(component="front bumper")],
        market="GB",
    )
    with pytest.raises(UsageError, match="closed"):
        await planner.plan(catalog, request)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: PartsAgent(), id="agent"),
        pytest.param(lambda: LocalBucket(sample_catalog_path()), id="local-bucket"),
    ],
)
async def test_a_resource_left_by_an_error_refuses_to_reopen(make: object) -> None:
    """Leaving the block by an exception closes the resource; entering again is a UsageError."""
    assert callable(make)
    resource = make()
    assert isinstance(resource, AsyncResource)
    with pytest.raises(Boom):
        async with resource:
            raise Boom
    with pytest.raises(UsageError, match="closed"):
        async with resource:
            pass


def test_the_resources_share_the_one_lifecycle() -> None:
    """Every class that opens something gets ``async with`` from the one mixin."""
    for cls in (PartsAgent, LocalBucket, LLMPlanner, CatalogServer):
        assert issubclass(cls, AsyncResource), cls
        assert "__aenter__" not in vars(cls), cls
        assert "__aexit__" not in vars(cls), cls
