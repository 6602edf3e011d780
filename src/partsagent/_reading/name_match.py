"""A make's or a model's name matched: exact, then alias, then fuzzy (rapidfuzz) for typos.

A fuzzy match is used only when it is clearly the best; when two candidates are
close, or the best is only fairly good, the match is "ambiguous" with ranked
candidates, because a wrong vehicle means every part in the report is wrong.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Literal

from rapidfuzz import fuzz

from .._exceptions import InputError
from .._models import Manufacturer, Model
from .model_names import contains, distinguishing, names, norm_tokens

__all__ = [
    "AMBIGUOUS_MARGIN",
    "CONFIDENT_SCORE",
    "UNKNOWN_SCORE",
    "Method",
    "NameMatch",
    "closest",
    "compact",
    "fuzzy",
    "match_model",
    "match_names",
    "norm",
    "years",
    "by_score",
]

CONFIDENT_SCORE = 85.0
"""A fuzzy match at or above this (and clear of the runner-up) is used."""
UNKNOWN_SCORE = 60.0
"""Below this nothing matches: the make or model is unknown (InputError)."""
AMBIGUOUS_MARGIN = 5.0
"""Candidates within this many points of the best one make the answer ambiguous."""

Method = Literal["exact", "alias", "fuzzy"]


_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")


@functools.lru_cache(maxsize=4096)
def norm(text: str) -> str:
    """Upper-case words; kept per text, as every report compares the catalog's same names."""
    return " ".join(_NOT_ALNUM.sub(" ", text.upper()).split())


def compact(text: str) -> str:
    return norm(text).replace(" ", "")


def years(model: Model) -> str:
    return f"{model.year_from}-{model.year_to}" if model.year_to else f"{model.year_from} onwards"


def by_score(scores: Sequence[tuple[float, int, str]]) -> list[tuple[float, int, str]]:
    """Best first; ties broken by input order so results are deterministic."""
    return sorted(scores, key=lambda s: (-s[0], s[1]))


def closest(ranked: Sequence[tuple[float, int, str]]) -> str:
    return ", ".join(f"{name} ({score:.0f})" for score, _, name in ranked[:3]) or "none"


def fuzzy(query: str, name: str) -> float:
    return max(fuzz.WRatio(query, name), fuzz.ratio(compact(query), compact(name)))


class NameMatch:
    """The outcome of matching one text against named things: one pick, or a close field."""

    __slots__ = ("ambiguous", "index", "method", "ranked", "reason", "score")

    def __init__(
        self,
        index: int | None,
        method: Method,
        score: float,
        ranked: list[tuple[float, int, str]],
        ambiguous: bool = False,
        reason: str = "",
    ) -> None:
        self.index = index
        self.method = method
        self.score = score
        self.ranked = ranked
        self.ambiguous = ambiguous
        self.reason = reason


def match_names(
    query: str, names: Sequence[Sequence[str]], *, what: str, owner: str = ""
) -> NameMatch:
    """Match ``query`` against the names of each thing (first name canonical, rest aliases).

    Raises InputError naming the closest things when nothing is close enough.
    """
    q = norm(query)
    if not q:
        raise InputError(f"the {what} is empty; give a {what} name")
    qc = q.replace(" ", "")
    for i, group in enumerate(names):
        for j, name in enumerate(group):
            if norm(name) == q or compact(name) == qc:
                method: Method = "exact" if j == 0 else "alias"
                return NameMatch(i, method, 100.0, [(100.0, i, group[0])])
    scores = [
        (round(max(fuzzy(q, norm(n)) for n in group), 1), i, group[0])
        for i, group in enumerate(names)
        if group
    ]
    ranked = by_score(scores)
    if not ranked or ranked[0][0] < UNKNOWN_SCORE:
        where = f" for {owner}" if owner else ""
        raise InputError(f"unknown {what} {query!r}{where}; closest: {closest(ranked)}")
    best = ranked[0][0]
    close = [r for r in ranked if r[0] >= UNKNOWN_SCORE and best - r[0] <= AMBIGUOUS_MARGIN]
    ambiguous = best < CONFIDENT_SCORE or len(close) > 1
    return NameMatch(ranked[0][1], "fuzzy", best, ranked, ambiguous=ambiguous)


def match_model(text: str, models: Sequence[Model], make: Manufacturer) -> NameMatch:
    """Match a model by its names; a word the chosen name lacks and nothing explains refuses it.

    "Golf Estate" and "Astra K" are the Golf and the Astra; "Golf Sportsvan", "Corolla
    Cross", "5 Series" (against "3 SERIES") and "Model S" (against "MODEL 3") are other
    models, so the answer is ambiguous with the catalog's model as the candidate.
    """
    error: InputError | None = None
    try:
        match: NameMatch | None = match_names(
            text, [names(m) for m in models], what="model", owner=make.name
        )
    except InputError as exc:
        match, error = None, exc
    if match is not None and match.method != "fuzzy":
        return match
    contained = sorted(
        (-len(norm_tokens(n)), j != 0, i, n)
        for i, m in enumerate(models)
        for j, n in enumerate(names(m))
        if contains(text, n)
    )
    if contained:
        _, is_alias, i, name = contained[0]
        model = models[i]
        score = round(fuzzy(norm(text), norm(name)), 1)
        extra = distinguishing(text, name, model, make)
        method: Method = "alias" if is_alias else "fuzzy"
        ranked = [(score, i, model.name)]
        if not extra:
            return NameMatch(i, method, score, ranked)
        return NameMatch(i, method, score, ranked, ambiguous=True, reason=lacks(extra, model))
    if match is None:
        # A model the catalog lacks of a make it has ("Mokka" of a Vauxhall catalog with the
        # Astra and the Corsa): refused with the make's closest models as candidates.
        q = norm(text)
        ranked = by_score(
            [
                (round(max(fuzzy(q, norm(n)) for n in names(m)), 1), i, m.name)
                for i, m in enumerate(models)
            ]
        )
        if not ranked:
            assert error is not None
            raise error
        return NameMatch(
            None,
            "fuzzy",
            ranked[0][0],
            ranked[:3],
            ambiguous=True,
            reason=f"unknown model {text!r} for {make.name}: the catalog does not list it; "
            "a different model is never priced as another; give a model the catalog lists",
        )
    if match.index is not None and not match.ambiguous:
        model = models[match.index]
        name = max(names(model), key=lambda n: fuzzy(norm(text), norm(n)))
        extra = distinguishing(text, name, model, make)
        if extra:
            match.ambiguous = True
            match.reason = lacks(extra, model)
    return match


def lacks(extra: Sequence[str], model: Model) -> str:
    return (
        f"{' '.join(extra)!r} is not part of the name of {model.name}, the closest catalog "
        "model: a different model is never priced as another; give a model the catalog lists"
    )
