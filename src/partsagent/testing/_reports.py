"""Reports on the embedded sample catalog, for tests and benchmarks that need many."""

from __future__ import annotations

from typing import Any

__all__ = ["SAMPLE_DAMAGES", "SAMPLE_VEHICLES", "sample_reports"]

SAMPLE_VEHICLES: tuple[dict[str, Any], ...] = (
    {"make": "Vauxhall", "model": "Astra", "year": 2018},
    {"make": "Opel", "model": "Corsa", "year": 2021},
    {"make": "Ford", "model": "Focus", "year": 2020},
    {"make": "Ford", "model": "Fiesta", "year": 2019},
    {"make": "VW", "model": "Golf", "year": 2016},
    {"make": "BMW", "model": "3 Series", "year": 2021},
    {"make": "Toyota", "model": "Corolla", "year": 2020},
    {"make": "Nissan", "model": "Qashqai", "year": 2018},
    {"make": "Honda", "model": "Civic", "year": 2019},
    {"make": "Tesla", "model": "Model 3", "year": 2020},
)
"""Ten vehicles of the sample catalog, named as users name them (aliases, one per model)."""

SAMPLE_DAMAGES: tuple[str, ...] = (
    "front bumper smashed, headlight cracked, bonnet scratched",
    "rear bumper cracked and the right tail light broken",
    "left door mirror smashed, front left wing dented, radiator grille cracked",
    "windscreen cracked",
    "right front door dented and the right sill scraped",
    "bonnet dented, both headlamps broken",
)
"""Six damage reports in free text, front, rear, side and glass."""


def sample_reports() -> list[tuple[dict[str, Any], str]]:
    """Every sample vehicle with every sample damage: 60 distinct reports."""
    return [(dict(v), d) for v in SAMPLE_VEHICLES for d in SAMPLE_DAMAGES]
