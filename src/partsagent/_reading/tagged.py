"""A phrase's tags, read once: "left headlamp" is tokenised and tagged once per index.

Tokenising and tagging a text is a pure function of the text, the index it is read
against (the category list, the vehicle's words, the language) and those vehicle
words, and it was about a third of reading a report: reports name the same parts in
the same words again and again. The result is kept in one LRU for the process,
bounded in entries and in the length of the texts it holds (a long description is
rarely sent twice). The key is the exact text, so a reading never carries another
caller's words: a text differing by a space or a capital is a key of its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Final

from .index import Index
from .language import Language, current
from .tagging import tag
from .tags import Tag
from .tokens import tokenize

__all__ = ["MAX_CACHED_CHARS", "MAX_TAGGED", "clear_tagged", "tagged", "tagged_stats"]

MAX_TAGGED: Final = 2048
"""Texts kept: about 3 KB each with their key (2.8 KB measured on 25-character phrases),
so 6 MB at most."""
MAX_CACHED_CHARS: Final = 200
"""A longer text is tagged every time and never kept."""

_Key = tuple[str, int, frozenset[str], Language]
_cache: OrderedDict[_Key, tuple[Tag, ...]] = OrderedDict()
_lock = threading.Lock()


def tagged(text: str, index: Index, vehicle_words: frozenset[str]) -> list[Tag]:
    """The tags of ``text`` against ``index`` (a fresh list: callers replace tags in it)."""
    if len(text) > MAX_CACHED_CHARS:
        return tag(tokenize(text, index.correct), index, vehicle_words)
    key = (text, index.serial, vehicle_words, current())
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return list(found)
    tags = tag(tokenize(text, index.correct), index, vehicle_words)
    with _lock:
        _cache[key] = tuple(tags)
        if len(_cache) > MAX_TAGGED:
            _cache.popitem(last=False)
    return tags


def tagged_stats() -> int:
    """How many texts are kept (for tests and benches)."""
    return len(_cache)


def clear_tagged() -> None:
    """Forget every kept text."""
    with _lock:
        _cache.clear()
