"""DerivedMemo: results kept beside the cache, never past what they rest on."""

from __future__ import annotations

from collections.abc import Callable

from partsagent._catalog.cache import MISSING, BoundedStore
from partsagent._catalog.derived import DerivedMemo


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_memo_holds_at_most_its_cap() -> None:
    """Past ``max_entries`` the least recently used result goes; the rest answer."""
    store = BoundedStore(max_entries=10)
    store.set_nowait("articles/1", ("a",))
    memo = DerivedMemo(store, max_entries=3)
    for i in range(5):
        assert memo.put(("r", i), i, ["articles/1"], since=store.generation)
    assert len(memo) == 3
    assert memo.get(("r", 0)) is MISSING
    assert [memo.get(("r", i)) for i in (2, 3, 4)] == [2, 3, 4]


def test_a_result_goes_when_the_cache_evicts_a_list() -> None:
    """An eviction empties the memo: no result outlives, nor keeps alive, an evicted list."""
    store = BoundedStore(max_entries=2)
    store.set_nowait("categories/1", ("a",))
    store.set_nowait("categories/2", ("b",))
    memo = DerivedMemo(store)
    assert memo.put("vehicle 1", ["derived from 1"], ["categories/1"], since=store.generation)
    assert memo.put("vehicle 2", ["derived from 2"], ["categories/2"], since=store.generation)
    assert memo.get("vehicle 1") == ["derived from 1"]
    store.set_nowait("categories/3", ("c",))  # evicts categories/2, the least recent
    assert memo.get("vehicle 1") is MISSING
    assert len(memo) == 0


def test_overwriting_deleting_or_clearing_a_list_drops_the_results() -> None:
    """A list stored again (a refreshed document), deleted or cleared takes its results away."""
    store = BoundedStore()
    memo = DerivedMemo(store)
    changes: list[Callable[[], None]] = [
        lambda: store.set_nowait("categories/1", ("new",)),
        lambda: store.delete_nowait("categories/1"),
        store.clear_nowait,
    ]
    for change in changes:
        store.set_nowait("categories/1", ("old",))
        assert memo.put("vehicle", "result", ["categories/1"], since=store.generation)
        change()
        assert memo.get("vehicle") is MISSING


def test_a_result_expires_with_the_first_of_its_lists() -> None:
    """A result is fresh no longer than the list it rests on that expires first."""
    clock = FakeClock()
    store = BoundedStore(clock=clock)
    store.set_nowait("articles/1", ("a",), ttl=100)
    clock.now += 50
    store.set_nowait("articles/2", ("b",), ttl=100)
    memo = DerivedMemo(store)
    assert memo.put("part", "options", ["articles/1", "articles/2"], since=store.generation)
    clock.now += 49
    assert memo.get("part") == "options"
    clock.now += 1  # articles/1 is 100 s old
    assert memo.get("part") is MISSING


def test_a_result_of_a_list_no_longer_cached_is_not_kept() -> None:
    """A list missing from the cache (or expired there) means nothing says when to drop it."""
    clock = FakeClock()
    store = BoundedStore(clock=clock)
    store.set_nowait("articles/1", ("a",), ttl=10)
    memo = DerivedMemo(store)
    assert not memo.put("part", "options", ["articles/1", "articles/2"], since=store.generation)
    clock.now += 10
    assert not memo.put("part", "options", ["articles/1"], since=store.generation)
    assert memo.get("part") is MISSING
    assert memo.stats()["size"] == 0


def test_replacing_a_list_by_its_validated_form_keeps_the_results() -> None:
    """A deferred list validated on first read is the same document: results stay."""
    store = BoundedStore()
    store.set_nowait("articles/1", b"[]")
    memo = DerivedMemo(store)
    assert memo.put("part", "options", ["articles/1"], since=store.generation)
    store.replace_nowait("articles/1", ())
    assert memo.get("part") == "options"


def test_a_result_made_while_a_list_was_replaced_is_not_kept() -> None:
    """A list refreshed between reading it and keeping the result: the result may be of the
    old list, so it is not kept (it would outlive the old list by the new one's TTL)."""
    store = BoundedStore()
    store.set_nowait("categories/1", ("old",))
    memo = DerivedMemo(store)
    since = memo.since()
    made = list(store.get_nowait("categories/1"))
    store.set_nowait("categories/1", ("new",))  # another report refreshed it meanwhile
    assert not memo.put("vehicle", made, ["categories/1"], since=since)
    assert memo.get("vehicle") is MISSING
