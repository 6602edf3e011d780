"""The language a report is read in: its words are data, one folder per language.

A language is a folder holding ``lexicon.json`` (the words of reports: severity,
positions, stop words, abbreviations...) and ``categories.json`` (what each
category of the taxonomy is called). English ships in ``words/en/``; a market
names its language (``markets.json``: ``language``), and a folder of your own
is a new language without code (``load_language(path)``).

The reading modules build their tables (phrases, folds, typo targets) from the
language being read, once per language: ``per_language`` caches a table for each
``Language`` value, and ``speaking`` says which one a reading uses. A reading
is synchronous, so the language is set around it and never leaks to another.
"""

from __future__ import annotations

import contextvars
import functools
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from .._datafile import load_data
from .._exceptions import InputError
from .taxonomy import CategoryWords
from .vocabulary import LEXICON_FILE, Lexicon

__all__ = [
    "CATEGORIES_FILE",
    "ENGLISH",
    "VOCABULARY_LANGUAGE",
    "Language",
    "current",
    "lexicon",
    "load_language",
    "per_language",
    "speaking",
]

CATEGORIES_FILE = "categories.json"
VOCABULARY_LANGUAGE = "en"
"""The language of the vocabulary's own names: the catalog's and the data files' names."""
_CODE = re.compile(r"^[a-z]{2,3}$")
T = TypeVar("T")


@dataclass(frozen=True, slots=True, eq=False)
class Language:
    """One language's words (equal only to itself: one load, one value, its own tables)."""

    code: str
    lexicon: Lexicon
    category_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Category id -> every word this language has for it, its name first."""
    tables: dict[Callable[[Language], object], object] = field(default_factory=dict, repr=False)
    """The reading modules' tables built from these words (``per_language``)."""

    def __repr__(self) -> str:
        return f"Language({self.code!r})"


def _language(code: str, lexicon: Lexicon, categories: CategoryWords) -> Language:
    words = {cid: names.words for cid, names in categories.categories.items()}
    return Language(code, lexicon, MappingProxyType(words))


@functools.cache
def _packaged(code: str) -> Language:
    folder = f"words/{code}"
    if not resources.files(__package__ or "").joinpath(folder, LEXICON_FILE).is_file():
        raise InputError(
            f"no words for language {code!r}; packaged: {', '.join(_packaged_codes())} "
            "(a folder of your own: load_language(path), docs/configuration.md#languages)"
        )
    return _language(
        code,
        load_data(Lexicon, f"{folder}/{LEXICON_FILE}"),
        load_data(CategoryWords, f"{folder}/{CATEGORIES_FILE}"),
    )


def _packaged_codes() -> list[str]:
    root = resources.files(__package__ or "").joinpath("words")
    return sorted(p.name for p in root.iterdir() if p.is_dir() and _CODE.match(p.name))


def load_language(where: str | Path | Language = VOCABULARY_LANGUAGE) -> Language:
    """A packaged language by its code ("en"), or your own folder at ``where``.

    The folder holds ``lexicon.json`` and ``categories.json`` in the schema of
    ``words/en/``; its name is the language's code. A broken file is an
    InputError naming it; a packaged language is read once per process.
    """
    if isinstance(where, Language):
        return where
    if isinstance(where, str) and _CODE.match(where):
        return _packaged(where)
    if not isinstance(where, (str, Path)):
        raise InputError(f"a language is a code or a folder, not {type(where).__name__}")
    folder = Path(where)
    if not folder.is_dir():
        raise InputError(f"{str(folder)!r} is neither a language code nor a folder")
    code = folder.name.casefold()
    return _language(
        code,
        load_data(Lexicon, LEXICON_FILE, folder / LEXICON_FILE),
        load_data(CategoryWords, CATEGORIES_FILE, folder / CATEGORIES_FILE),
    )


ENGLISH = _packaged(VOCABULARY_LANGUAGE)
_SPEAKING: contextvars.ContextVar[Language] = contextvars.ContextVar("partsagent_language")


def current() -> Language:
    """The language being read (English outside any ``speaking`` block)."""
    return _SPEAKING.get(ENGLISH)


def lexicon() -> Lexicon:
    """The lexicon of the language being read."""
    return _SPEAKING.get(ENGLISH).lexicon


@contextmanager
def speaking(language: Language) -> Iterator[Language]:
    """Read in ``language`` inside the block (a reading is synchronous: it cannot leak)."""
    token = _SPEAKING.set(language)
    try:
        yield language
    finally:
        _SPEAKING.reset(token)


def per_language(build: Callable[[Language], T]) -> Callable[[], T]:
    """``build``'s table for the language being read, built once per language."""

    @functools.wraps(build)
    def get() -> T:
        language = _SPEAKING.get(ENGLISH)
        found = language.tables.get(build)
        if found is None:
            found = language.tables[build] = build(language)
        return found  # type: ignore[return-value]  # stored under its own builder

    return get
