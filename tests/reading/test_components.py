"""match_component and map_component against the sample's categories."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from partsagent import InputError
from partsagent._catalog.manager import BucketManager
from partsagent._reading.components import ComponentMatch, map_component, match_component
from partsagent._reading.taxonomy import CATEGORIES
from partsagent.catalog import Category


def _hand_built() -> tuple[Category, ...]:
    return tuple(
        Category(
            id=c.id, name=c.name, group=c.group, synonyms=tuple(w for w in c.words if w != c.name)
        )
        for c in CATEGORIES
    )


CATS = _hand_built()


@pytest.fixture
async def catalog() -> AsyncIterator[BucketManager]:
    """A manager on the embedded sample catalog."""
    async with BucketManager() as manager:
        yield manager


@pytest.mark.parametrize(
    ("text", "name"),
    [
        pytest.param("bonnet", "Bonnet", id="uk-bonnet"),
        pytest.param("hood", "Bonnet", id="us-hood"),
        pytest.param("front wing", "Wing", id="uk-wing"),
        pytest.param("fender", "Wing", id="us-fender"),
        pytest.param("windscreen", "Windscreen", id="uk-windscreen"),
        pytest.param("windshield", "Windscreen", id="us-windshield"),
        pytest.param("boot lid", "Tailgate", id="uk-boot"),
        pytest.param("trunk lid", "Tailgate", id="us-trunk"),
        pytest.param("number plate light", "Number Plate Lamp", id="uk-number-plate"),
        pytest.param("license plate light", "Number Plate Lamp", id="us-license-plate"),
        pytest.param("headlamp", "Headlamp", id="headlamp"),
        pytest.param("headlight", "Headlamp", id="headlight"),
        pytest.param("rear light cluster", "Tail Lamp", id="uk-rear-light-cluster"),
        pytest.param("tail light", "Tail Lamp", id="us-tail-light"),
        pytest.param("wing mirror", "Door Mirror", id="wing-mirror"),
        pytest.param("fender liner", "Wing Liner", id="fender-liner"),
        pytest.param("a/c condenser", "AC Condenser", id="ac-condenser"),
        pytest.param("front bumper", "Front Bumper Cover", id="front-bumper"),
        pytest.param("back bumper", "Rear Bumper Cover", id="back-bumper"),
        pytest.param("smashed front bumper", "Front Bumper Cover", id="severity-word-ignored"),
    ],
)
def test_uk_and_us_words(text: str, name: str) -> None:
    """UK and US names of a part map to the same category."""
    m = match_component(text, CATS)
    assert m.status == "matched", m.notes
    assert m.category is not None
    assert m.category.name == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        pytest.param("frnt bumper", "Front Bumper Cover", id="frnt"),
        pytest.param("hedlight", "Headlamp", id="hedlight"),
        pytest.param("rear bumber", "Rear Bumper Cover", id="bumber"),
        pytest.param("windscren", "Windscreen", id="windscren"),
        pytest.param("bonet", "Bonnet", id="bonet"),
    ],
)
def test_typos_are_corrected(text: str, name: str) -> None:
    """Common misspellings still find the part."""
    m = match_component(text, CATS)
    assert m.status == "matched", m.notes
    assert m.category is not None
    assert m.category.name == name


@pytest.mark.parametrize(
    ("text", "market", "axle", "side"),
    [
        pytest.param("passenger door mirror", "GB", None, "left", id="passenger-gb"),
        pytest.param("passenger door mirror", "US", None, "right", id="passenger-us"),
        pytest.param("driver's door mirror", "GB", None, "right", id="driver-gb"),
        pytest.param("drivers side mirror", "US", None, "left", id="driver-us"),
        pytest.param("N/S front wing", "GB", "front", "left", id="ns-gb"),
        pytest.param("N/S front wing", "US", "front", "right", id="ns-us-kerb-side"),
        pytest.param("nearside wing", "GB", "front", "left", id="nearside-word"),
        pytest.param("O/S/F wing", "GB", "front", "right", id="osf"),
        pytest.param("offside rear door", "GB", "rear", "right", id="offside-rear"),
        pytest.param("L/H headlamp", "GB", "front", "left", id="l-slash-h"),
        pytest.param("RH tail light", "GB", "rear", "right", id="rh"),
        pytest.param("left fog light", "US", "front", "left", id="left-is-left-anywhere"),
        pytest.param("F/R door", "GB", "front", "right", id="f-slash-r"),
        pytest.param("R/R door", "GB", "rear", "right", id="r-slash-r"),
        pytest.param("LR door", "US", "rear", "left", id="us-lr"),
    ],
)
def test_sides_depend_on_market(text: str, market: str, axle: str | None, side: str) -> None:
    """Nearside/offside and driver/passenger become left/right per the market's drive side."""
    m = match_component(text, CATS, market=market)
    assert m.status == "matched", m.notes
    assert (m.position.axle, m.position.side) == (axle, side)


def test_side_abbreviation_is_explained() -> None:
    """The note says what N/S means in the market."""
    m = match_component("N/S front wing", CATS, market="GB")
    assert "N/S means left in GB (right-hand drive)" in m.notes


def test_axle_comes_from_the_category() -> None:
    """A headlamp is at the front even when the text does not say so."""
    m = match_component("headlight", CATS)
    assert m.position.axle == "front"
    assert any("left and right" in n for n in m.notes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("bumper", {"Front Bumper Cover", "Rear Bumper Cover"}, id="bumper"),
        pytest.param("light", {"Headlamp", "Tail Lamp"}, id="light"),
        pytest.param("door", {"Front Door Shell", "Rear Door Shell"}, id="door"),
        pytest.param("parking sensor", {"Front Parking Sensor", "Rear Parking Sensor"}, id="pdc"),
    ],
)
def test_ambiguous_without_axle(text: str, expected: set[str]) -> None:
    """A part that exists front and rear is ambiguous until the axle is named."""
    m = match_component(text, CATS)
    assert m.status == "ambiguous"
    assert {c.name for c in m.candidates[:2]} == expected
    assert m.category is not None
    assert m.category.name in expected
    assert "name the part more precisely" in m.notes[0]


def test_unknown_component_does_not_raise() -> None:
    """An unknown part is status unknown with the closest names, for the agent to warn about."""
    m = match_component("flux capacitor", CATS)
    assert m.status == "unknown"
    assert m.category is None
    assert m.notes[0].startswith("no catalog part matches 'flux capacitor'; closest: ")


def test_position_only_is_unknown() -> None:
    """Text naming only a position is unknown rather than a guess."""
    m = match_component("front left", CATS)
    assert m.status == "unknown"
    assert (m.position.axle, m.position.side) == ("front", "left")


@pytest.mark.parametrize("text", [pytest.param("", id="empty"), pytest.param("  ", id="blank")])
def test_empty_component_raises(text: str) -> None:
    """An empty component is the caller's mistake."""
    with pytest.raises(InputError, match="empty"):
        match_component(text, CATS)


def test_repeat_match_is_cached_and_equal_for_a_new_list() -> None:
    """The same text against an equal category list returns the same result object."""
    first = match_component("N/S front wing", CATS)
    again = match_component("N/S front wing", list(CATS))
    assert again is first


def test_match_dumps_to_json() -> None:
    """A match round-trips through JSON for an LLM tool call."""
    m = match_component("O/S headlamp", CATS)
    dumped = m.model_dump(mode="json")
    assert dumped["category"] == {"id": "CAT002", "name": "Headlamp"}
    assert dumped["position"] == {"axle": "front", "side": "right"}
    assert ComponentMatch.model_validate(dumped) == m


async def test_map_component_uses_the_variants_categories(catalog: BucketManager) -> None:
    """map_component loads the Astra's categories through the manager and matches on them."""
    m = await map_component(catalog, "117", "127445", "N/S front wing")
    assert m.category is not None
    assert (m.category.id, m.category.name) == ("CAT016", "Wing")
    assert m.position.side == "left"
    us = await map_component(catalog, "117", "127445", "passenger door mirror", market="US")
    assert us.category is not None
    assert us.category.name == "Door Mirror"
    assert us.position.side == "right"


async def test_map_component_refuses_empty_text(catalog: BucketManager) -> None:
    """An empty component raises before any catalog request."""
    with pytest.raises(InputError, match="empty"):
        await map_component(catalog, "117", "127445", " ")
    assert catalog.get_cache_stats()["requests"] == 0
