"""Adjusters' and estimators' shorthand for the work asked ("req repl", "R&R", "R/R",
"renew", "rplc", "rpr"): the part it is said of is damaged, read as firmly as with a damage
word, and priced; the shorthand is never a phrase to confirm."""

from __future__ import annotations

import pytest

from partsagent import PartsAgent
from partsagent._models import Category
from partsagent._reading.reader import read_damage

CATS = [
    Category(id="CAT001", name="Front Bumper Cover", group="Body"),
    Category(id="CAT002", name="Headlamp", group="Lighting"),
    Category(id="CAT003", name="Bonnet", group="Body"),
    Category(id="CAT004", name="Rear Bumper Cover", group="Body"),
    Category(id="CAT013", name="Tail Lamp", group="Lighting"),
    Category(id="CAT016", name="Wing", group="Body"),
    Category(id="CAT024", name="Rear Door Shell", group="Body"),
    Category(id="CAT023", name="Front Door Shell", group="Body"),
]


@pytest.mark.parametrize(
    ("words", "market", "expected"),
    [
        pytest.param("Rear bumper cover struck by the claimant's vehicle - req repl", "US",
                     [("CAT004", None)], id="story-then-req-repl"),
        pytest.param("front bumper hit in a parking lot, R&R", "US", [("CAT001", None)],
                     id="story-then-r-and-r"),
        pytest.param("RT headlamp hit - repl", "US", [("CAT002", "right")], id="story-dash-repl"),
        pytest.param("hood req repl", "US", [("CAT003", None)], id="req-repl-after"),
        pytest.param("renew O/S/F wing", "GB", [("CAT016", "right")], id="renew-before"),
        pytest.param("N/S tail lamp: rplc", "IE", [("CAT013", "left")], id="rplc-after-colon"),
        pytest.param("Bonnet req. replacement, struck by debris", "AU", [("CAT003", None)],
                     id="dotted-req"),
        pytest.param("R/R RT headlamp", "US", [("CAT002", "right")], id="r-slash-r-work"),
        pytest.param("LR tail light R/R", "US", [("CAT013", "left")], id="r-slash-r-after"),
    ],
)  # fmt: skip
def test_a_part_with_work_asked_is_read_firmly(
    words: str, market: str, expected: list[tuple[str, str | None]]
) -> None:
    reading = read_damage(words, CATS, market=market)
    got = [(p.category.id, p.position.side) for p in reading.parts]
    assert got == expected
    assert all(p.confidence >= 0.9 for p in reading.parts)
    assert [u.phrase for u in reading.unread] == []  # the shorthand is nothing to confirm


def test_r_slash_r_before_a_part_is_still_the_right_rear() -> None:
    """A GB corner: "R/R door dented" is the right rear door, not work asked."""
    reading = read_damage("R/R door dented", CATS, market="GB")
    assert [(p.category.id, p.position.side) for p in reading.parts] == [("CAT024", "right")]


async def test_shorthand_is_priced_as_the_work_asked(sample_agent: PartsAgent) -> None:
    """ "rplc hood" buys a bonnet; the reading is firm, not 0.39 and unpriced."""
    report = await sample_agent.process_damage_report(
        {"make": "Toyota", "model": "Corolla", "year": 2019},
        "rplc hood; LF fender struck at the lights - req repl",
        market="US",
    )
    assert {ln.category.name for ln in report.lines} == {"Bonnet", "Wing"}
    assert report.confidence >= 0.9
    assert report.not_priced == ()
