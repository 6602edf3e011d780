"""The collision-parts vocabulary: which categories there are, and what they are called.

What a category *is* (``taxonomy.json``: its stable id, group, sides, axle) does not
depend on the language; what it is *called* does (``words/<language>/categories.json``).
The vocabulary's own names are English: the catalog's and the data files' names
("Bonnet", its US twin "Hood") are matched to a category through them, once
(``spec_of``), for every layer that needs it. The ids are stable: CAT001 is the
front bumper cover, CAT002 the headlamp, CAT003 the bonnet; new categories only
ever get new ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import Field

from .._datafile import DataFile, load_data
from .._exceptions import UsageError
from .._models import Axle

__all__ = [
    "CATEGORIES",
    "CategorySpec",
    "CategoryWords",
    "category",
    "spec_of",
]

CategoryId = Annotated[str, Field(pattern=r"^CAT\d{3,}$")]


class _CategoryDoc(DataFile):
    id: CategoryId
    group: str
    sided: bool
    axle: Axle | None
    consumable: bool = False


class _TaxonomyDoc(DataFile):
    format: Literal["partsagent-taxonomy/1"]
    description: str = ""
    categories: tuple[_CategoryDoc, ...] = Field(min_length=1)


class CategoryNames(DataFile):
    """One category in one language: its name, the other names a catalog gives it, synonyms."""

    name: Annotated[str, Field(min_length=1)]
    names: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        """Every name a report might use for the category, its own name first."""
        return tuple(dict.fromkeys((self.name, *self.names, *self.synonyms)))


class CategoryWords(DataFile):
    """A language's ``categories.json``: names and synonyms by category id (any subset)."""

    format: Literal["partsagent-category-words/1"]
    description: str = ""
    categories: dict[CategoryId, CategoryNames]


@dataclass(frozen=True, slots=True)
class CategorySpec:
    """One category of the vocabulary, with its English (the vocabulary's own) names.

    ``sided`` means left and right are separate articles; ``axle`` is where the
    part sits (None for parts that have no front or rear, and for consumables).
    """

    id: str
    name: str
    names: tuple[str, ...]
    """Other names a catalog gives it ("Hood" for the "Bonnet")."""
    group: str
    synonyms: tuple[str, ...]
    sided: bool
    axle: Axle | None
    consumable: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        """Every name a user might use for this category, its own name first."""
        return tuple(dict.fromkeys((self.name, *self.names, *self.synonyms)))


def _specs() -> tuple[CategorySpec, ...]:
    taxonomy = load_data(_TaxonomyDoc, "taxonomy.json")
    english = load_data(CategoryWords, "words/en/categories.json").categories
    missing = [c.id for c in taxonomy.categories if c.id not in english]
    if missing:  # the vocabulary's own language names every category: a bug of ours
        raise UsageError(f"words/en/categories.json lacks {missing}")
    return tuple(
        CategorySpec(
            id=c.id,
            name=english[c.id].name,
            names=english[c.id].names,
            group=c.group,
            synonyms=english[c.id].synonyms,
            sided=c.sided,
            axle=c.axle,
            consumable=c.consumable,
        )
        for c in taxonomy.categories
    )


CATEGORIES: tuple[CategorySpec, ...] = _specs()
_BY_ID: Mapping[str, CategorySpec] = MappingProxyType({c.id: c for c in CATEGORIES})
_BY_NAME: Mapping[str, CategorySpec] = MappingProxyType(
    {n.casefold(): spec for spec in CATEGORIES for n in (spec.name, *spec.names)}
)


def category(cid: str) -> CategorySpec:
    """The category with id ``cid``; KeyError if the vocabulary has none."""
    return _BY_ID[cid]


def spec_of(name: str) -> CategorySpec | None:
    """The vocabulary's entry for a catalog's category name (any of its names), or None.

    The one ``{name, market name} -> spec`` index: reading, the market's names and
    the data files' category names all ask here.
    """
    return _BY_NAME.get(name.casefold())
