"""A phrase's tags are kept (issue 22): bounded, the reading unchanged, never another's words."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from partsagent import DamagedPart
from partsagent._reading import tagged as tagged_module
from partsagent._reading.index import index_for
from partsagent._reading.reader import read_damage
from partsagent._reading.results import Reading
from partsagent._reading.tagged import clear_tagged, tagged, tagged_stats
from partsagent._reading.tagging import tag
from partsagent._reading.taxonomy import CATEGORIES
from partsagent._reading.tokens import tokenize
from partsagent.catalog import Category

CATS = tuple(
    Category(id=c.id, name=c.name, group=c.group, synonyms=tuple(w for w in c.words if w != c.name))
    for c in CATEGORIES
)
NO_LAMPS = tuple(c for c in CATS if "lamp" not in c.name.casefold())


@pytest.fixture(autouse=True)
def _empty() -> Iterator[None]:
    clear_tagged()
    yield
    clear_tagged()


def _uncached(damage: str | list[DamagedPart], categories: tuple[Category, ...] = CATS) -> Reading:
    """The reading with nothing kept before or after it."""
    clear_tagged()
    try:
        return read_damage(damage, categories)
    finally:
        clear_tagged()


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tagged_module, "MAX_TAGGED", 8)
    index = index_for(CATS)
    for n in range(20):
        tagged(f"front bumper scratch {n}", index, frozenset())
    assert tagged_stats() == 8
    # The most recent are the ones kept: the first is tagged again, and pushes one out.
    tagged("front bumper scratch 0", index, frozenset())
    assert tagged_stats() == 8


def test_a_long_text_is_never_kept() -> None:
    index = index_for(CATS)
    text = "front bumper cracked, " * 20
    assert len(text) > tagged_module.MAX_CACHED_CHARS
    fresh = tag(tokenize(text, index.correct), index, frozenset())
    assert tagged(text, index, frozenset()) == fresh
    assert tagged_stats() == 0


@pytest.mark.parametrize(
    "damage",
    [
        "N/S headlamp smashed, bonnet dented",
        "both front wings scratched",
        "rear bumper cracked; that side's tail light too",
        [DamagedPart(component="left headlight"), DamagedPart(component="that side's wing")],
    ],
)
def test_a_cached_reading_is_the_reading(damage: str | list[DamagedPart]) -> None:
    fresh = _uncached(damage)
    first = read_damage(damage, CATS)
    again = read_damage(damage, CATS)
    assert first == fresh
    assert again == fresh
    assert tagged_stats() > 0


def test_a_caller_edits_its_own_list() -> None:
    index = index_for(CATS)
    first = tagged("front bumper cracked", index, frozenset())
    kept = list(first)
    first.clear()
    assert tagged("front bumper cracked", index, frozenset()) == kept


def test_a_reading_carries_only_its_own_words() -> None:
    """Texts that read alike are keys of their own: each report quotes its own words."""
    for text in ("left headlamp smashed", "Left Headlamp  smashed", "LEFT headlamp smashed"):
        reading = read_damage(text, CATS)
        assert [p.phrase for p in reading.parts] == [text]
        assert reading == _uncached(text)


def test_the_same_text_against_another_category_list() -> None:
    """Tags are kept per index: a vehicle without the part does not get another's reading."""
    with_lamps = read_damage("headlamp smashed", CATS)
    without = read_damage("headlamp smashed", NO_LAMPS)
    assert [p.category.name for p in with_lamps.parts] == ["Headlamp"]
    assert without == _uncached("headlamp smashed", NO_LAMPS)
    assert "Headlamp" not in [p.category.name for p in without.parts]


def test_vehicles_share_terms_but_not_their_own_words() -> None:
    """A category list's terms are built once; each vehicle's own words stay its own:
    "grile" is a typo of "grille" unless the vehicle is called that."""
    # Two vehicles new to the process (an index already kept may predate the terms kept).
    plain, named = index_for(CATS, {"plainmodel"}), index_for(CATS, {"grile"})
    assert plain.terms is named.terms
    assert plain is not named
    read = read_damage("grile cracked", CATS)
    assert [p.category.name for p in read.parts] == ["Radiator Grille"]
    as_vehicle = read_damage("grile cracked", CATS, vehicle=frozenset({"grile"}))
    assert not as_vehicle.parts
    assert [u.phrase for u in as_vehicle.unread] == ["grile cracked"]
