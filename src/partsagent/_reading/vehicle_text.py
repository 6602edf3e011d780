"""A vehicle typed as one line ("Vauxhall Astra 2018") read into make, model and year.

The make is the longest leading run of words the catalog knows as a make or an
alias; the year is the last word when it is a number that is not part of a
catalog model's name ("Tesla Model 3"). Used by the command line's
``--vehicle``; any caller with such a line can use it.
"""

from __future__ import annotations

import re

from .._catalog.manager import BucketManager
from .._exceptions import InputError
from .._input import coerce_vehicle
from .._models import YEAR_MAX, YEAR_MIN, Vehicle

__all__ = ["parse_vehicle", "shorten"]

_INTEGER = re.compile(r"[+-]?\d+")


def shorten(text: str, limit: int = 60) -> str:
    """Long input shown in a message, cut so that the one error line stays readable."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", text.upper()).split())


async def parse_vehicle(
    catalog: BucketManager,
    text: str,
    variant_id: str | None = None,
    *,
    label: str = "the vehicle",
) -> Vehicle:
    """'Vauxhall Astra 2018' -> make, model, year; the longest known make prefix wins.

    The last word is the year when it is a number that is not part of a catalog
    model's name ('Tesla Model 3'); a number that is not a model year (1900,
    -1, 99999) is refused, and so is a last word that is neither a year nor
    part of the model's name ('Vauxhall Astra abc'): silently dropping it would
    price every variant of the model. A known make alone ('Ford 2019') or a
    model alone ('Golf') is kept as it is: resolving it lists the candidates.
    ``label`` names the input in an InputError (the CLI's ``--vehicle``).
    """
    where = f"{label} {shorten(text)!r}"
    words = text.split()
    names: dict[str, str] = {}
    for m in await catalog.get_manufacturers():
        for n in (m.name, *m.aliases):
            names.setdefault(" ".join(n.upper().split()), m.id)
    split, mid = 1, None
    for k in range(len(words), 0, -1):
        found = names.get(" ".join(words[:k]).upper())
        if found is not None:
            split, mid = k, found
            break
    make, model_words = words[:split], words[split:]
    models: set[str] = set()
    if mid is not None:
        models = {_words(m.name) for m in await catalog.get_models_for_manufacturer(mid)}
    year: int | None = None
    if model_words and _words(" ".join(model_words)) not in models:
        last, rest = model_words[-1], model_words[:-1]
        if _INTEGER.fullmatch(last) and (rest or YEAR_MIN <= int(last) <= YEAR_MAX):
            year = _year(last, where)
            model_words = rest
        elif rest and _words(" ".join(rest)) in models:
            raise InputError(
                f"{last!r} at the end of {where} is neither a year nor part "
                f"of a model's name; give the model year ({YEAR_MIN}-{YEAR_MAX}) last, "
                "e.g. 'Vauxhall Astra 2018', or leave it out"
            )
    if not make:
        raise InputError(f"{where} needs a make and a model, e.g. 'Vauxhall Astra 2018'")
    given: dict[str, object] = {"make": " ".join(make), "year": year}
    if model_words:
        given["model"] = " ".join(model_words)
    elif mid is None:
        given = {"model": " ".join(make), "year": year}  # no make named: the words are a model
    try:
        return coerce_vehicle({**given, "variant_id": variant_id})
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _year(word: str, where: str) -> int:
    year = int(word)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InputError(
            f"{shorten(word)!r} at the end of {where} is not a model year; "
            f"give a year from {YEAR_MIN} to {YEAR_MAX}, e.g. 'Vauxhall Astra 2018'"
        )
    return year
