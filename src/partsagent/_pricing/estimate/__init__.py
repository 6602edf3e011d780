"""The estimate: from a priced parts list to operations, labour, refinish, sublets and tax.

Every decision is data beside the code, validated once and replaceable by a
body shop's own file: the repair-or-replace policy (``policy.json``), labour
times per category and body class (``labour.json``), which panels touch
(``adjacency.json``), included operations and sublets
(``included_operations.json``), rates and tax per market (``rates.json``);
the words that choose a build are read with the others (``_reading/builds.json``),
and the build is chosen here. docs/estimate.md
explains the model with two worked examples.
"""

from __future__ import annotations

from ._data import round_money
from .builds import BuildChoice, BuildPreference, build_preference, choose_build
from .data import EstimateData, RatesLike
from .decide import Decision, decide, part_of, work_for
from .rates import MarketRates, PricedMarket, Rates, load_rates
from .totals import applied_rates, estimate_totals, price_work

__all__ = [
    "BuildChoice",
    "BuildPreference",
    "Decision",
    "EstimateData",
    "MarketRates",
    "PricedMarket",
    "Rates",
    "RatesLike",
    "applied_rates",
    "build_preference",
    "choose_build",
    "decide",
    "estimate_totals",
    "load_rates",
    "part_of",
    "price_work",
    "round_money",
    "work_for",
]
