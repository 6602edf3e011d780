"""Category names in data files, matched to the catalog's: one way for every rule file.

Rule files (propagation, repair policy, labour times, adjacency, included
operations) name categories the way the catalog does ("Bonnet", "Wing"). A
name also answers to its other names in the taxonomy ("Hood", "Fender"), so
one file works for a catalog written in UK or US words.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Generic, TypeVar

from .._reading.taxonomy import spec_of
from .._reading.vocabulary import LEXICON

__all__ = ["NameIndex", "names_of", "spec_of"]

T = TypeVar("T")


@functools.lru_cache(maxsize=4096)
def names_of(category: str) -> frozenset[str]:
    """The category name and, when the taxonomy knows it, its UK/US names and synonyms."""
    names = {category.casefold()}
    spec = spec_of(category)
    if spec is not None:
        names.update(w.casefold() for w in spec.words)
    names.update(_ABSENT_TWINS.get(category.casefold(), ()))
    return frozenset(names)


_ABSENT_TWINS: dict[str, frozenset[str]] = {
    n.casefold(): frozenset({p.name.casefold(), p.us_name.casefold()})
    for p in LEXICON.absent_parts
    for n in (p.name, p.us_name)
}
"""A part the catalog may lack answers to its UK and US names too ("Rear Wing/Quarter" is
the "Quarter Panel" of labour.json): the labour-only panels are timed by them."""


class NameIndex(Generic[T]):
    """Data entries by the names of their categories.

    A name given in the file wins over another entry's synonym, so "Front
    Bumper" (a synonym of the front cover) can never shadow a "Rear Bumper
    Cover" entry; among equals the first entry in the file wins.
    """

    __slots__ = ("_exact", "_other")

    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        self._exact: dict[str, T] = {}
        self._other: dict[str, T] = {}
        for name, value in entries:
            self._exact.setdefault(name.casefold(), value)
            for other in names_of(name):
                self._other.setdefault(other, value)

    def get(self, name: str) -> T | None:
        key = name.casefold()
        found = self._exact.get(key)
        return found if found is not None else self._other.get(key)
