"""One vehicle build per report: the set of variants every priced line must fit.

The variants of a resolved vehicle can split into body styles (saloon and
touring) or builds with disjoint articles (with and without parking sensors,
one engine's radiator and another's). A report is priced for one set, chosen
in this order: an explicit variant (``vehicle.variant_id``, ``--variant``);
the words ("estate", "boot lid", "with sensors": the build cues that
``_reading.build_cues`` reads, or a variant's own name: "Fiesta ST",
"e-Golf", "320d"), as the plan carries them; the VIN's
body class, then its engine within each body; otherwise the set that covers most variants. Within
the candidates the set stays inside one body and is the largest for which
every part has an article fitting all of it; a part with no such article is
left unpriced rather than bought for another body.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ..._exceptions import InputError
from ..._models import DamagedPart, ReportWarning, Variant, Vehicle
from ..._reading.build_cues import BuildCues, BuildWords, Cue, CueSaid, read_build_words
from ..._reading.vin import VinDecode
from .evidence import Evidence
from .said import Said, read_evidence

__all__ = [
    "BuildChoice",
    "BuildPreference",
    "build_preference",
    "choose_build",
]

ChosenBy = Literal["variant_id", "words", "vin", "most_variants"]
_MAX_STATES = 256


@dataclass(frozen=True, slots=True)
class BuildPreference:
    """What the caller said about the build (and, in ``said``, to the estimator), read once
    per report by the planner and carried by the plan; all of it is in the cache key."""

    variant_id: str | None = None
    words: BuildWords = BuildWords()
    """The cues and variant names the words say (``_reading.build_cues``)."""
    vin_bodies: tuple[str, ...] = ()
    vin_fuels: tuple[str, ...] = ()
    vin_litres: str | None = None
    said: Said = Said()
    """What the words say beyond the parts: blends ruled out, structure, equipment, dents."""


def build_preference(
    vehicle: Vehicle,
    damage: Sequence[DamagedPart] | str,
    variants: Sequence[Variant],
    vin: VinDecode | None,
    cues: BuildCues,
    evidence: Evidence,
) -> BuildPreference:
    """The caller's variant, build words, VIN facts and evidence; InputError if not built.

    The one place a report's words are read beyond its parts: the planners call
    it (through ``PlanRequest.read_build``) and the plan carries the answer.
    """
    if vehicle.variant_id is not None and vehicle.variant_id not in {v.id for v in variants}:
        built = ", ".join(f"{v.id} ({v.name}, {v.body})" for v in variants)
        raise InputError(
            f"variant {vehicle.variant_id!r} is not one of this vehicle's variants for the "
            f"year given; they are: {built}"
        )
    bodies: tuple[str, ...] = ()
    fuels: tuple[str, ...] = ()
    litres = None
    if vin is not None:
        bodies = cues.vin_bodies.get(vin.body_class or "", ())
        fuels = cues.vin_fuels.get(vin.fuel or "", ())
        litres = vin.displacement_l
    return BuildPreference(
        vehicle.variant_id,
        read_build_words(vehicle, damage, variants, cues),
        bodies,
        fuels,
        litres,
        read_evidence(damage, evidence),
    )


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
    words = pref.words
    by_id = {c.id: c for c in cues.cues}
    said = [(c, s.words) for s in words.cues if (c := by_id.get(s.id)) is not None]

    def fitting(said: Sequence[tuple[Cue, str]]) -> list[Variant]:
        named = set(words.named)
        return [
            v for v in kept if all(c.admits(v) for c, _ in said) and (not named or v.id in named)
        ]

    if said or words.named:
        narrower = fitting(said)
        if not narrower:
            # A part's word ("trunk lid" of a hatch) says nothing of the build: set it aside.
            said = [(c, w) for c, w in said if not c.part]
            narrower = fitting(said) if said or words.named else list(kept)
        if not narrower:
            quoted = [repr(w) for _, w in said]
            quoted += [repr(v.name) for v in variants if v.id in words.named]
            notes.append(
                ReportWarning(
                    code="build_words_unused",
                    message=f"the words ({', '.join(quoted)}) fit none of this vehicle's "
                    "variants, so they were not used to choose the build",
                )
            )
        elif len(narrower) < len(kept):
            kept, used = narrower, ["words"]
    if words.trims:
        kept, by_trim = _trimmed(kept, variants, words.trims, cues, notes)
        if by_trim and "words" not in used:
            used.append("words")
    if pref.vin_bodies or pref.vin_fuels:
        before = len(kept)
        _vin_body_built(kept, pref.vin_bodies, notes)
        narrower = [v for v in kept if v.body.casefold() in {b.casefold() for b in pref.vin_bodies}]
        kept = narrower or kept
        # Within each body only: the catalog may lack the market's engine (a US 2.0 petrol
        # hatch), and the one variant with that displacement (a 2.0 hybrid estate) is
        # another car; an engine never chooses the body.
        for test in (
            lambda v: v.fuel in pref.vin_fuels,
            lambda v: pref.vin_litres is not None and v.engine.startswith(f"{pref.vin_litres} "),
        ):
            kept = [v for body in _bodies(kept).values() for v in _narrowed(body, test)]
        if len(kept) < before:
            used.append("vin")
    return kept, used or ["most_variants"]


def _bodies(variants: Sequence[Variant]) -> dict[str, list[Variant]]:
    bodies: dict[str, list[Variant]] = {}
    for v in variants:
        bodies.setdefault(v.body, []).append(v)
    return bodies


def _narrowed(variants: list[Variant], test: Callable[[Variant], bool]) -> list[Variant]:
    return [v for v in variants if test(v)] or variants


def _trimmed(
    kept: list[Variant],
    variants: Sequence[Variant],
    said: Sequence[CueSaid],
    cues: BuildCues,
    notes: list[ReportWarning],
) -> tuple[list[Variant], bool]:
    """The variants of the trims said (a Type R's bumpers are not a base Civic's); a trim the
    catalog does not build for this vehicle is said, never priced as the base in silence."""
    by_id = {t.id: t for t in cues.trims}
    narrowed = False
    for s in said:
        trim = by_id.get(s.id)
        if trim is None:
            continue
        if not any(trim.named_by(v) for v in variants):
            notes.append(
                ReportWarning(
                    code="build_not_in_catalog",
                    message=f"the report names the {s.words!r} build, which the catalog does "
                    "not list for this vehicle: priced for another build, whose bumpers, "
                    "grilles, lamps, wheels and brakes may differ; please confirm the parts",
                )
            )
            continue
        narrower = [v for v in kept if trim.named_by(v)]
        if narrower and len(narrower) < len(kept):
            kept, narrowed = narrower, True
    return kept, narrowed


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


@functools.lru_cache(maxsize=4096)
def _best_build(
    bodies: tuple[tuple[str, ...], ...], relevant: tuple[tuple[frozenset[str], ...], ...]
) -> frozenset[str]:
    """The set of variants of one body that the most parts fit, then the largest.

    Of ids and fitments only: the next report on the vehicle with the same parts' fitments
    gets the same build without the search (kept bounded; no catalog list is held).
    """
    best: tuple[int, int, int, frozenset[str]] | None = None
    for n, group in enumerate(bodies):
        k, s = _best_set(group, relevant)
        rank = (-k, -len(s), n, s)
        if best is None or rank[:3] < best[:3]:
            best = rank
    assert best is not None  # a resolved vehicle has variants
    return best[3]


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
    relevant = tuple(r for r in (tuple(f & ids for f in fits if f & ids) for fits in fitments) if r)
    bodies: dict[str, list[str]] = {}
    for v in candidates:
        bodies.setdefault(v.body, []).append(v.id)
    best = _best_build(tuple(tuple(group) for group in bodies.values()), relevant)
    chosen = tuple(v for v in candidates if v.id in best)
    if len(chosen) < len(variants):
        notes.append(
            ReportWarning(code="build_chosen", message=_build_warning(chosen, variants, used))
        )
    return BuildChoice(chosen, used[0], tuple(notes))


def _vin_body_built(
    kept: Sequence[Variant], bodies: Sequence[str], notes: list[ReportWarning]
) -> None:
    """A VIN's body (a saloon) that no variant of those years has (only hatchbacks): the
    parts are priced for a body the car may not have, so it is said, never silent."""
    wanted = {b.casefold() for b in bodies}
    if not wanted or any(v.body.casefold() in wanted for v in kept):
        return
    built = ", ".join(sorted({v.body for v in kept}))
    notes.append(
        ReportWarning(
            code="vin_body_mismatch",
            message=f"the VIN says a {' or '.join(bodies)} body, but the catalog builds this "
            f"vehicle for those years only as {built}: priced as {built}; check the model "
            "and year, or give the variant id",
        )
    )


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
