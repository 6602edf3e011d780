"""Prices follow the contract strictly: decimal strings, nothing a parser merely tolerates."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from _estimate import ROADSTER, small_bucket
from partsagent import CatalogFormatError, PartsAgent
from partsagent._catalog import documents as doc

WING = [("W1", "Wing", "Body")]
DAMAGE = [{"component": "wing", "severity": "severe"}]
ARTICLES = "manufacturers/900/variants/V1/categories/W1/articles.json"


def with_amount(root: Path, amount: Any) -> Path:
    """The small bucket whose one wing article costs ``amount`` (as JSON: a string or a number)."""
    bucket = small_bucket(root, WING)
    path = bucket / ARTICLES
    articles = json.loads(path.read_text())
    articles[0]["price"]["amount"] = amount
    path.write_text(json.dumps(articles))
    return bucket


OFF_CONTRACT = [
    pytest.param("1_000.00", id="underscore"),
    pytest.param(" 12.00 ", id="spaces"),
    pytest.param(12, id="bare-number"),
    pytest.param("1E+2", id="exponent"),
    pytest.param("-0.00", id="negative-zero"),
    pytest.param("-1.00", id="negative"),
    pytest.param("NaN", id="nan"),
    pytest.param("+12.00", id="plus-sign"),
    pytest.param("12.", id="trailing-dot"),
    pytest.param(".50", id="no-units"),
    pytest.param("12.345", id="three-places"),
    pytest.param("", id="empty"),
]


@pytest.mark.parametrize("amount", OFF_CONTRACT)
def test_an_off_contract_price_is_a_format_error(tmp_path: Path, amount: Any) -> None:
    """An article list with such a price is refused, naming the price's place."""
    data = (with_amount(tmp_path, amount) / ARTICLES).read_bytes()
    with pytest.raises(CatalogFormatError, match=r"0\.price\.amount"):
        doc.parse(doc.ARTICLES, ARTICLES, data)


@pytest.mark.parametrize(
    ("amount", "value"),
    [
        pytest.param("123.45", Decimal("123.45"), id="two-places"),
        pytest.param("12", Decimal("12"), id="units"),
        pytest.param("0.5", Decimal("0.5"), id="one-place"),
        pytest.param("0.00", Decimal("0.00"), id="zero"),
    ],
)
def test_a_decimal_string_is_a_price(tmp_path: Path, amount: str, value: Decimal) -> None:
    """Digits with at most two decimal places are read exactly."""
    data = (with_amount(tmp_path, amount) / ARTICLES).read_bytes()
    (article,) = doc.parse(doc.ARTICLES, ARTICLES, data)
    assert article.price.amount == value


@pytest.mark.parametrize("amount", OFF_CONTRACT[:5])
async def test_a_report_never_prices_from_an_off_contract_price(
    tmp_path: Path, amount: Any
) -> None:
    """The part is left unpriced with a warning that names it, never priced from the value."""
    async with PartsAgent(with_amount(tmp_path, amount)) as agent:
        report = await agent.process_damage_report(ROADSTER, DAMAGE)
    assert report.lines == ()
    assert any("Wing" in w and "price" in w for w in report.warnings), report.warnings
