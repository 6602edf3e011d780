"""The pure mapping functions, for benchmarks that rebuild the design partsagent replaced.

They are the library's own: words -> a catalog category, damage -> the parts it
brings. Exposed here so a benchmark need not reach into private modules.
"""

from __future__ import annotations

from .._pricing.propagation import MappedDamage, analyze_damage_propagation
from .._reading.components import match_component

__all__ = ["MappedDamage", "analyze_damage_propagation", "match_component"]
