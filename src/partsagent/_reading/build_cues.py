"""The words that narrow a vehicle to one build, read with the rest of the report's words.

"Estate", "sedan", "with parking sensors", or a variant's own name ("Fiesta
ST", "320d") say which of a model's variants the caller has. They are read
here once per report, from the vehicle's model and the damage, and the plan
carries what was found (``BuildWords``); the pricer never reads the words
again. The word classes are data (``builds.json``) a body shop can replace.

Some cues name a part rather than a body ("trunk lid", "tailgate"): a market's
word for a part tells the build only when the catalog's variants differ by
it, so such a cue is never a claim the report warns about.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .._datafile import DataFile, DataId, check_equipment, load_data
from .._models import DamagedPart, Variant, Vehicle

__all__ = [
    "BuildCues",
    "BuildWords",
    "Cue",
    "CueSaid",
    "Trim",
    "load_build_cues",
    "read_build_words",
]

MODELS_KEPT = 256
"""Model names whose trim patterns each trim keeps (most recent)."""


class Cue(DataFile):
    """Words that narrow the build: the bodies and equipment they imply."""

    id: DataId
    words: Annotated[tuple[str, ...], Field(min_length=1)]
    bodies: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    """Keep variants that have one of these."""
    equipment_absent: tuple[str, ...] = ()
    """Keep variants that have none of these."""
    part: bool = False
    """The words name a part ("trunk lid"), not the build: they narrow only variants that
    differ by it, and words that fit no variant are set aside without a warning."""

    @model_validator(mode="after")
    def _known_equipment(self) -> Cue:
        check_equipment(f"cue {self.id}", [*self.equipment, *self.equipment_absent])
        return self

    @functools.cached_property
    def _pattern(self) -> re.Pattern[str]:
        # The longest first, so that the words quoted are all those said ("touring sports").
        said = sorted((w.casefold() for w in self.words), key=len, reverse=True)
        words = "|".join(re.escape(w) for w in said)
        return re.compile(rf"(?<!\w)(?:{words})(?!\w)")

    def said_in(self, text: str) -> str | None:
        """The cue's words as ``text`` (casefolded) says them, as whole words; None if not."""
        found = self._pattern.search(text)
        return None if found is None else found.group()

    def admits(self, variant: Variant) -> bool:
        kit = set(variant.equipment)
        return (
            (not self.bodies or variant.body.casefold() in {b.casefold() for b in self.bodies})
            and (not self.equipment or bool(kit & set(self.equipment)))
            and not kit & set(self.equipment_absent)
        )


class Trim(DataFile):
    """A build whose body parts differ from the others' (Type R, GTI, ST), by the words for it."""

    id: DataId
    words: Annotated[tuple[str, ...], Field(min_length=1)]
    alone: bool = False
    """Said anywhere; otherwise only in the vehicle's model or right after the model's name
    (a bare "st" or "rs" in a damage text is too often something else)."""

    def pattern(self, before: str = "") -> re.Pattern[str]:
        said = sorted((_fold(w) for w in self.words), key=len, reverse=True)
        words = "|".join(re.escape(w) for w in said)
        return re.compile(rf"(?<![\w-]){before}(?:{words})(?![\w-])")

    @functools.cached_property
    def alone_pattern(self) -> re.Pattern[str]:
        return self.pattern()

    @functools.cached_property
    def after_model(self) -> functools._lru_cache_wrapper[re.Pattern[str]]:
        """The trim's words right after a (folded) model name, kept per model (bounded): a
        batch names few models, and each was a pattern built per trim per report."""

        @functools.lru_cache(maxsize=MODELS_KEPT)
        def after(model: str) -> re.Pattern[str]:
            return self.pattern(rf"(?<={re.escape(model)} )")

        return after

    def named_by(self, variant: Variant) -> bool:
        """Whether the variant's own name says this trim."""
        return self.alone_pattern.search(_fold(variant.name)) is not None


class BuildCues(DataFile):
    """The whole file of build cues."""

    format: Literal["partsagent-build-cues/1"]
    description: str = ""
    cues: tuple[Cue, ...]
    trims: tuple[Trim, ...] = ()
    vin_bodies: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """vPIC body class -> catalog bodies."""
    vin_fuels: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """vPIC primary fuel -> catalog fuels."""


def load_build_cues(path: str | Path | None = None) -> BuildCues:
    """The packaged build cues, or your own file at ``path``."""
    return load_data(BuildCues, "builds.json", path)


@dataclass(frozen=True, slots=True)
class CueSaid:
    """A cue found in the report, with the words that said it (casefolded)."""

    id: str
    words: str


@dataclass(frozen=True, slots=True)
class BuildWords:
    """What the report's words say about the build; empty when they say nothing."""

    cues: tuple[CueSaid, ...] = ()
    named: tuple[str, ...] = ()
    """Variants whose own name the words use ("ST", "GTI", "320d"), when not all of them."""
    trims: tuple[CueSaid, ...] = ()
    """The trims said ("type r"), whether or not the catalog builds them."""


def read_build_words(
    vehicle: Vehicle,
    damage: Sequence[DamagedPart] | str,
    variants: Sequence[Variant],
    cues: BuildCues,
) -> BuildWords:
    """The cues and variant names said in the vehicle's model and the damage."""
    said = [damage] if isinstance(damage, str) else [p.component for p in damage]
    # Hours an estimator gives ("blend 1.0 hrs") name no engine ("1.0 Turbo").
    text = _HOURS.sub(" ", _fold(" ".join(said)))
    folded = f"{_fold(vehicle.model or '')} {text}"
    found = tuple(
        CueSaid(c.id, words) for c in cues.cues if (words := c.said_in(folded)) is not None
    )
    return BuildWords(found, _named(folded, variants), _trims(vehicle, text, cues.trims))


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _trims(vehicle: Vehicle, text: str, trims: Sequence[Trim]) -> tuple[CueSaid, ...]:
    """The trims the model field says, or the words say alone or right after the model's name."""
    model = _fold(vehicle.model or "")
    found: list[CueSaid] = []
    for trim in trims:
        said = trim.alone_pattern.search(model)
        if said is None and trim.alone:
            said = trim.alone_pattern.search(text)
        if said is None and model:
            said = trim.after_model(model).search(text)
        if said is not None:
            found.append(CueSaid(trim.id, said.group()))
    return tuple(found)


_TOKEN = re.compile(r"[\w.+-]+")
_HOURS = re.compile(r"(?<![\w.])\d{1,2}(?:\.\d)?\s*(?:h|hr|hrs|hour|hours)(?![a-z])")


def _distinctive(token: str) -> bool:
    """A token of a variant's name that only means that variant: "ST", "GTI", "e-Golf", "320d"."""
    return len(token) >= 2 and (
        any(c.isdigit() for c in token) or "-" in token or sum(c.isupper() for c in token) >= 2
    )


def _named(text: str, variants: Sequence[Variant]) -> tuple[str, ...]:
    """The variants whose distinctive name tokens the words use, unless that is all or none."""
    said = {t.strip(".") for t in _TOKEN.findall(text)}
    found = tuple(
        v.id
        for v in variants
        if any(_distinctive(t) and t.casefold() in said for t in _TOKEN.findall(v.name))
    )
    return found if 0 < len(found) < len(variants) else ()
