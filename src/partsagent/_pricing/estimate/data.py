"""EstimateData: every estimate data file in one value, the packaged ones or your own.

The files are read and validated once; a set with a file of your own is
checked as a whole (every sublet an included operation names has a price in
every market) and carries a ``key``, so reports priced with other figures never
share a cache entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from ..._datafile import load_data
from ..._exceptions import InputError
from ..._reading.build_cues import BuildCues, load_build_cues
from ..propagation import RuleSet, load_rules
from .blend import Adjacency, load_adjacency
from .evidence import Evidence, load_evidence
from .labour import LabourTimes, load_labour
from .operations import IncludedOperations, load_included_operations
from .policy import RepairPolicy, load_policy
from .rates import Rates, load_rates

__all__ = ["EstimateData", "RatesLike"]

RatesLike = Rates | str | Path
"""A Rates value, or the path of a rates file (its markets over the packaged ones)."""


@dataclass(frozen=True, slots=True)
class EstimateData:
    """Policy, labour times, adjacency, included operations, rates, build cues, evidence, and
    the secondary-part rules.

    ``EstimateData.load()`` gives the packaged (illustrative) set; pass paths
    to bring your own files, e.g. ``EstimateData.load(policy="shop-policy.json",
    rates="shop-rates.json")``.
    """

    policy: RepairPolicy
    labour: LabourTimes
    adjacency: Adjacency
    included: IncludedOperations
    rates: Rates
    cues: BuildCues
    evidence: Evidence
    secondary_parts: RuleSet
    """The secondary-part rules (``propagation_rules.json``) both planners apply."""
    key: str = ""
    """Empty for the packaged set; a digest of the files otherwise (part of cache keys)."""

    @classmethod
    def load(
        cls,
        *,
        policy: str | Path | None = None,
        labour: str | Path | None = None,
        adjacency: str | Path | None = None,
        included_operations: str | Path | None = None,
        rates: RatesLike | None = None,
        build_cues: str | Path | None = None,
        evidence: str | Path | None = None,
        secondary_parts: str | Path | None = None,
    ) -> EstimateData:
        """The packaged files, with any of them replaced by yours (InputError if invalid)."""
        data = cls(
            policy=load_policy(policy),
            labour=load_labour(labour),
            adjacency=load_adjacency(adjacency),
            included=load_included_operations(included_operations),
            rates=load_rates(),
            cues=load_build_cues(build_cues),
            evidence=load_evidence(evidence),
            secondary_parts=load_rules(secondary_parts),
        )
        files = (
            policy,
            labour,
            adjacency,
            included_operations,
            build_cues,
            evidence,
            secondary_parts,
        )
        if any(p is not None for p in files):
            data = data._keyed()
        return data.with_rates(rates) if rates is not None else data._checked()

    def with_rates(self, rates: RatesLike) -> EstimateData:
        """The same data with other rates: their markets replace these, the others stay."""
        own = rates if isinstance(rates, Rates) else load_data(Rates, "rates.json", rates)
        return replace(self, rates=own.over(self.rates))._keyed()._checked()

    def _keyed(self) -> EstimateData:
        digest = hashlib.sha256()
        parts = (
            self.policy,
            self.labour,
            self.adjacency,
            self.included,
            self.rates,
            self.cues,
            self.evidence,
            self.secondary_parts,
        )
        for part in parts:
            digest.update(part.model_dump_json().encode())
        return replace(self, key=digest.hexdigest()[:16])

    def _checked(self) -> EstimateData:
        wanted = self.included.sublet_keys()
        for code, market in self.rates.markets.items():
            missing = sorted(wanted - set(market.sublets))
            if missing:
                raise InputError(
                    f"the rates of market {code} have no price for the sublets "
                    f"{', '.join(missing)}; add them to its 'sublets'"
                )
        return self
