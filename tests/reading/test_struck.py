"""A part the impact struck is damaged, story or not; the part that struck, or a part with
no position after the impact ("hit the lights": the traffic's?), stays a doubt."""

from __future__ import annotations

import pytest

from partsagent._reading.reader import PRICE_THRESHOLD, read_damage
from partsagent._reading.taxonomy import CATEGORIES
from partsagent.catalog import Category

CATS = tuple(
    Category(id=c.id, name=c.name, group=c.group, synonyms=tuple(w for w in c.words if w != c.name))
    for c in CATEGORIES
)


def priced(text: str, market: str = "GB") -> set[str]:
    reading = read_damage(text, CATS, market=market)
    return {p.category.name for p in reading.parts if p.confidence >= PRICE_THRESHOLD}


@pytest.mark.parametrize(
    ("text", "market", "part"),
    [
        pytest.param("TP struck IV in the O/S rear door", "GB", "Rear Door Shell", id="adjuster"),
        pytest.param("the front bumper was hit", "US", "Front Bumper Cover", id="passive"),
        pytest.param("another car rammed my rear bumper in the queue", "GB", "Rear Bumper Cover",
                     id="customer"),
        pytest.param("clmt veh hit insd in the LF fender", "US", "Wing", id="us-shorthand"),
        pytest.param("rear bar got hit reversing", "AU", "Rear Bumper Cover", id="au-passive"),
    ],
)  # fmt: skip
def test_a_struck_part_is_priced(text: str, market: str, part: str) -> None:
    assert part in priced(text, market)


@pytest.mark.parametrize(
    ("text", "part"),
    [
        pytest.param("the other car's front bumper hit my door", "Front Bumper Cover",
                     id="the-part-that-struck"),
        pytest.param("someone hit the lights", "Headlamp", id="no-position"),
        pytest.param("Insd veh struck in rear at light", "Tail Lamp", id="a-traffic-light"),
    ],
)  # fmt: skip
def test_what_struck_or_may_be_the_traffics_is_not_priced(text: str, part: str) -> None:
    assert not {p for p in priced(text, "US") if p.startswith(part.split()[0])} - {
        "Front Door Shell",
        "Rear Door Shell",
    }
