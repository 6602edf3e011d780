"""A vehicle typed as one line, read against the catalog's makes and models."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from partsagent import InputError
from partsagent._catalog.manager import BucketManager
from partsagent._reading.vehicle_text import parse_vehicle


@pytest.fixture
async def catalog() -> AsyncIterator[BucketManager]:
    async with BucketManager() as manager:
        yield manager


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Vauxhall Astra 2018", ("Vauxhall", "Astra", 2018), id="make-model-year"),
        pytest.param("Volks Wagen Golf 2019", ("Volks Wagen", "Golf", 2019), id="two-words"),
        pytest.param("Vauxhall Astra", ("Vauxhall", "Astra", None), id="no-year"),
        pytest.param("Ford 2019", ("Ford", None, 2019), id="make-alone"),
        pytest.param("Golf", (None, "Golf", None), id="model-alone"),
    ],
)  # fmt: skip
async def test_make_model_and_year(
    catalog: BucketManager, text: str, expected: tuple[str | None, str | None, int | None]
) -> None:
    vehicle = await parse_vehicle(catalog, text)
    assert (vehicle.make, vehicle.model, vehicle.year) == expected


async def test_the_variant_is_kept(catalog: BucketManager) -> None:
    vehicle = await parse_vehicle(catalog, "Vauxhall Astra 2019", "127448")
    assert vehicle.variant_id == "127448"


@pytest.mark.parametrize(
    ("text", "label", "message"),
    [
        pytest.param("Vauxhall Astra 1900", "the vehicle",
                     "'1900' at the end of the vehicle 'Vauxhall Astra 1900' is not a model year",
                     id="not-a-year"),
        pytest.param("Vauxhall Astra abc", "--vehicle",
                     "'abc' at the end of --vehicle 'Vauxhall Astra abc' is neither a year",
                     id="trailing-word"),
        pytest.param("", "the vehicle", "the vehicle '' needs a make and a model", id="empty"),
    ],
)  # fmt: skip
async def test_a_line_that_cannot_be_read_is_an_input_error_naming_it(
    catalog: BucketManager, text: str, label: str, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        await parse_vehicle(catalog, text, label=label)
    assert str(caught.value).startswith(message)
