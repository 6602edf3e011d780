"""One vehicle build per report: the set of variants every priced line must fit.

The variants of a resolved vehicle can split into body styles (saloon and
touring) or builds with disjoint articles (with and without parking sensors,
one engine's radiator and another's). A report is priced for one set, chosen
in this order: an explicit variant (``vehicle.variant_id``, ``--variant``);
the words ("estate", "boot lid", "with sensors" in ``builds.json``, or a
variant's own name: "Fiesta ST", "e-Golf", "320d"); the VIN's
body class and engine; otherwise the set that covers most variants. Within
the candidates the set stays inside one body and is the largest for which
every part has an article fitting all of it; a part with no such article is
left unpriced rather than bought for another body.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..._datafile import DataFile, load_data
from ..._exceptions import InputError
from ..._models import DamagedPart, ReportWarning, Variant, Vehicle
from ..._reading.vin import VinDecode
from ._data import DataId, check_equipment
from .evidence import Evidence, Said, load_evidence, read_evidence

__all__ = [
    "BuildChoice",
    "BuildCues",
    "BuildPreference",
    "Cue",
    "build_preference",
    "choose_build",
    "load_build_cues",
]

ChosenBy = Literal["variant_id", "words", "vin", "most_variants"]
_MAX_STATES = 256


class Cue(DataFile):
    """Words that narrow the build: the bodies and equipment they imply."""

    id: DataId
    words: Annotated[tuple[str, ...], Field(min_length=1)]
    bodies: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    """Keep variants that have one of these."""
    equipment_absent: tuple[str, ...] = ()
    """Keep variants that have none of these."""

    @model_validator(mode="after")
    def _known_equipment(self) -> Cue:
        check_equipment(f"cue {self.id}", [*self.equipment, *self.equipment_absent])
        return self

    @functools.cached_property
    def _pattern(self) -> re.Pattern[str]:
        words = "|".join(re.escape(w.casefold()) for w in self.words)
        return re.compile(rf"(?<!\w)(?:{words})(?!\w)")

    def said_in(self, text: str) -> bool:
        """True when one of the cue's words is in ``text`` (casefolded), as whole words."""
        return self._pattern.search(text) is not None

    def admits(self, variant: Variant) -> bool:
        kit = set(variant.equipment)
        return (
            (not self.bodies or variant.body.casefold() in {b.casefold() for b in self.bodies})
            and (not self.equipment or bool(kit & set(self.equipment)))
            and not kit & set(self.equipment_absent)
        )


class BuildCues(DataFile):
    """The whole file of build cues."""

    format: Literal["partsagent-build-cues/1"]
    description: str = ""
    cues: tuple[Cue, ...]
    vin_bodies: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """vPIC body class -> catalog bodies."""
    vin_fuels: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """vPIC primary fuel -> catalog fuels."""


def load_build_cues(path: str | Path | None = None) -> BuildCues:
    """The packaged build cues, or your own file at ``path``."""
    return load_data(BuildCues, "builds.json", path)


@dataclass(frozen=True, slots=True)
class BuildPreference:
    """What the caller said about the build (and, in ``said``, to the estimator), read once
    per report; all of it is in the cache key."""

    variant_id: str | None = None
    cues: tuple[str, ...] = ()
    """Ids of the cues found in the words."""
    named: tuple[str, ...] = ()
    """Variants whose own name the words use ("ST", "GTI", "320d"), when not all of them."""
    vin_bodies: tuple[str, ...] = ()
    vin_fuels: tuple[str, ...] = ()
    vin_litres: str | None = None
    said: Said = Said()
    """What the words say beyond the parts: blends ruled out, structure, equipment, dents."""


def _said(vehicle: Vehicle, damage: Sequence[DamagedPart] | str) -> str:
    texts = [vehicle.model or ""]
    texts += [damage] if isinstance(damage, str) else [p.component for p in damage]
    return " ".join(" ".join(texts).casefold().split())


_TOKEN = re.compile(r"[\w.+-]+")


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


def build_preference(
    vehicle: Vehicle,
    damage: Sequence[DamagedPart] | str,
    variants: Sequence[Variant],
    vin: VinDecode | None,
    cues: BuildCues,
    evidence: Evidence | None = None,
) -> BuildPreference:
    """The caller's variant, cue words, VIN facts and evidence; InputError if not built."""
    if vehicle.variant_id is not None and vehicle.variant_id not in {v.id for v in variants}:
        built = ", ".join(f"{v.id} ({v.name}, {v.body})" for v in variants)
        raise InputError(
            f"variant {vehicle.variant_id!r} is not one of this vehicle's variants for the "
            f"year given; they are: {built}"
        )
    text = _said(vehicle, damage)
    found = tuple(c.id for c in cues.cues if c.said_in(text))
    bodies: tuple[str, ...] = ()
    fuels: tuple[str, ...] = ()
    litres = None
    if vin is not None:
        bodies = cues.vin_bodies.get(vin.body_class or "", ())
        fuels = cues.vin_fuels.get(vin.fuel or "", ())
        litres = vin.displacement_l
    named = _named(text, variants)
    said = read_evidence(damage, evidence if evidence is not None else load_evidence())
    return BuildPreference(vehicle.variant_id, found, named, bodies, fuels, litres, said)


@dataclass(frozen=True, slots=True)
class BuildChoice:
    variants: tuple[Variant, ...]
    chosen_by: ChosenBy
    warnings: tuple[ReportWarning, ...]


def _candidates(
    variants: Sequence[Variant], pref: BuildPreference, cues: BuildCues, notes: list[ReportWarning]
) -> tuple[list[Variant], list[ChosenBy]]:
    """The variants the caller's variant, words and VIN leave, and which of them narrowed.

    An explicit variant decides alone. Otherwise the words narrow first, then
    the VIN narrows what the words left; evidence that would leave nothing
    (the words say estate, the VIN saloon) is set aside, the earlier one wins.
    """
    if pref.variant_id is not None:
        return [v for v in variants if v.id == pref.variant_id], ["variant_id"]
    kept, used = list(variants), list[ChosenBy]()
    if pref.cues or pref.named:
        by_id = {c.id: c for c in cues.cues}
        chosen = [c for c in (by_id.get(i) for i in pref.cues) if c is not None]
        narrower = [
            v
            for v in kept
            if all(c.admits(v) for c in chosen) and (not pref.named or v.id in pref.named)
        ]
        if not narrower:
            words = ", ".join([*(repr(c.words[0]) for c in chosen), *pref.named])
            notes.append(
                ReportWarning(
                    code="build_words_unused",
                    message=f"the words ({words}) fit none of this vehicle's variants, so they "
                    "were not used to choose the build",
                )
            )
        elif len(narrower) < len(kept):
            kept, used = narrower, ["words"]
    if pref.vin_bodies or pref.vin_fuels:
        before = len(kept)
        for test in (
            lambda v: v.body.casefold() in {b.casefold() for b in pref.vin_bodies},
            lambda v: v.fuel in pref.vin_fuels,
            lambda v: pref.vin_litres is not None and v.engine.startswith(f"{pref.vin_litres} "),
        ):
            narrower = [v for v in kept if test(v)]
            if narrower:
                kept = narrower
        if len(kept) < before:
            used.append("vin")
    return kept, used or ["most_variants"]


def _best_set(
    group: Sequence[str], fitments: Sequence[Sequence[frozenset[str]]]
) -> tuple[int, frozenset[str]]:
    """The set within ``group`` that the most parts fit, then the largest; with that count.

    Each state is a set of variants and how many parts have an article fitting
    all of it; a part either narrows a state to one of its articles' fitments,
    or is left out (it will be unpriced). Dominated states are dropped.
    """
    states: dict[frozenset[str], int] = {frozenset(group): 0}
    for fits in fitments:
        nxt = dict(states)
        for s, k in states.items():
            for f in fits:
                i = s & f
                if i and nxt.get(i, -1) < k + 1:
                    nxt[i] = k + 1
        ranked = sorted(nxt.items(), key=lambda sk: (-sk[1], -len(sk[0]), sorted(sk[0])))
        kept: dict[frozenset[str], int] = {}
        for s, k in ranked:
            if not any(s <= t and k <= kt for t, kt in kept.items()):
                kept[s] = k
            if len(kept) >= _MAX_STATES:
                break
        states = kept
    order = {vid: i for i, vid in enumerate(group)}
    s, k = min(
        states.items(), key=lambda sk: (-sk[1], -len(sk[0]), sorted(order[v] for v in sk[0]))
    )
    return k, s


def _label(v: Variant) -> str:
    return f"{v.id} {v.name} ({v.body})"


def choose_build(
    variants: Sequence[Variant],
    pref: BuildPreference,
    cues: BuildCues,
    fitments: Iterable[Sequence[frozenset[str]]],
) -> BuildChoice:
    """The variants to price for, given each priced part's article fitments (sets of ids)."""
    notes: list[ReportWarning] = []
    candidates, used = _candidates(variants, pref, cues, notes)
    ids = {v.id for v in candidates}
    # A part with no article on any candidate cannot narrow the choice: it stays unpriced.
    relevant = [r for r in ([f & ids for f in fits if f & ids] for fits in fitments) if r]
    bodies: dict[str, list[str]] = {}
    for v in candidates:
        bodies.setdefault(v.body, []).append(v.id)
    best: tuple[int, int, int, frozenset[str]] | None = None
    for n, group in enumerate(bodies.values()):
        k, s = _best_set(group, relevant)
        rank = (-k, -len(s), n, s)
        if best is None or rank[:3] < best[:3]:
            best = rank
    assert best is not None  # a resolved vehicle has variants
    chosen = tuple(v for v in candidates if v.id in best[3])
    if len(chosen) < len(variants):
        notes.append(
            ReportWarning(code="build_chosen", message=_build_warning(chosen, variants, used))
        )
    return BuildChoice(chosen, used[0], tuple(notes))


_HOW: Mapping[ChosenBy, str] = {
    "variant_id": "the variant given",
    "words": "the words of the report",
    "vin": "the VIN's body and engine",
    "most_variants": "the most variants every part fits",
}


def _build_warning(
    chosen: Sequence[Variant], variants: Sequence[Variant], used: Sequence[ChosenBy]
) -> str:
    others = [v for v in variants if v not in chosen]
    how = " and ".join(_HOW[u] for u in used)
    text = (
        f"priced for one build, by {how}: {'; '.join(_label(v) for v in chosen)} "
        f"({len(chosen)} of {len(variants)} variants); also built: "
        f"{'; '.join(_label(v) for v in others)}"
    )
    if used != ["variant_id"]:
        text += "; give the variant id or the VIN (or say 'estate', 'saloon') to price another"
    return text
