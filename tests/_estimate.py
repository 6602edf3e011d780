"""Helpers of the estimate tests: the sample's vehicles, operations by part, a small catalog."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from partsagent import PartsReport

ASTRA_2018 = {"make": "Vauxhall", "model": "Astra", "year": 2018}


def ops_of(report: PartsReport, category: str | None = None) -> list[tuple[str, str | None]]:
    """(operation, side) of the report's operations, on one category name or all."""
    return [
        (op.operation, op.position.side)
        for op in report.operations
        if category is None or op.category.name == category
    ]


def small_bucket(
    root: Path,
    categories: Sequence[tuple[str, str, str]],
    *,
    currency: str = "GBP",
    prices: dict[str, dict[str, str]] | None = None,
    body: str = "Hatchback",
) -> Path:
    """A bucket of one make (ACME), one model (ROADSTER 2020) and one variant (V1).

    ``categories`` are (id, name, group); each has one OE article at 100.00 in
    ``currency``, with ``prices`` per market when given. Enough catalog for a
    body shop's own parts (a track control arm) or a catalog without US prices.
    """

    def dump(rel: str, doc: Any) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc))

    variant = {"id": "V1", "name": "2.0 Base", "body": body, "fuel": "petrol",
               "engine": "2.0 L I4", "power_kw": 100, "year_from": 2020,
               "year_to": None}  # fmt: skip
    dump("index.json", {"format": "partsagent-catalog/1", "name": "acme", "currency": currency,
                        "counts": {}})  # fmt: skip
    dump("manufacturers.json", [{"id": "900", "name": "ACME", "aliases": []}])
    dump("manufacturers/900/models.json", [{"id": "M1", "name": "ROADSTER", "year_from": 2020,
                                            "year_to": None, "variants": [variant]}])  # fmt: skip
    dump(
        "manufacturers/900/variants/V1/categories.json",
        [{"id": cid, "name": name, "group": group, "synonyms": [], "product_groups": []}
         for cid, name, group in categories],
    )  # fmt: skip
    for n, (cid, name, _) in enumerate(categories):
        article: dict[str, Any] = {
            "id": f"X{n}", "article_no": f"N{n}", "brand": "ACME", "name": name,
            "quality": "OE", "position": {"axle": "front", "side": None},
            "price": {"amount": "100.00", "currency": currency},
        }  # fmt: skip
        if prices is not None:
            article["prices"] = prices
        dump(f"manufacturers/900/variants/V1/categories/{cid}/articles.json", [article])
    return root


ROADSTER = {"make": "Acme", "model": "Roadster", "year": 2021}
