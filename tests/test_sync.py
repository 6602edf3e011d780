"""SyncPartsAgent: the agent without await, from several threads at once, one loop behind."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from partsagent import InputError, PartsAgent, SyncPartsAgent, UnresolvedVehicle, UsageError

FOCUS = {"make": "Ford", "model": "Focus", "year": 2020}
DAMAGES = ["rear bumper cracked", "bonnet dented", "left headlight smashed", "N/S wing scuffed"]


async def _expected() -> dict[str, str]:
    async with PartsAgent() as agent:
        return {
            d: str((await agent.process_damage_report(FOCUS, d)).totals.total.amount)
            for d in DAMAGES
        }


@pytest.fixture
def expected() -> dict[str, str]:
    import asyncio

    return asyncio.run(_expected())


def test_threads_at_once_get_the_async_agents_answers(expected: dict[str, str]) -> None:
    """16 threads, 4 reports each at once: every answer equals the async agent's; caches shared."""
    barrier = threading.Barrier(16)

    def work(i: int) -> list[tuple[str, str, str]]:
        barrier.wait()  # all threads call at the same moment
        out = []
        for k in range(4):
            damage = DAMAGES[(i + k) % len(DAMAGES)]
            report = agent.process_damage_report(FOCUS, damage)
            cache = report.performance["report_cache"]
            out.append((damage, str(report.totals.total.amount), cache))
        return out

    with SyncPartsAgent() as agent, ThreadPoolExecutor(16) as pool:
        loop_thread = agent._portal.call(threading.current_thread)  # the loop's own thread
        answers = [a for chunk in pool.map(work, range(16)) for a in chunk]
        stats = agent.agent.reports.stats()
    assert len(answers) == 64
    assert all(total == expected[damage] for damage, total, _ in answers)
    # One loop, one report cache: each distinct report was computed once, not 16 times.
    assert sum(1 for *_, cache in answers if cache == "miss") == len(DAMAGES)
    assert stats["misses"] == len(DAMAGES)
    assert stats["hits"] + stats["coalesced"] == 64 - len(DAMAGES)
    # Closing stopped the loop's own thread (other threads of the process may come and go).
    loop_thread.join(timeout=10)
    assert not loop_thread.is_alive()


def test_caches_live_across_calls() -> None:
    """A second equal call is a report-cache hit: the agent outlives each call."""
    with SyncPartsAgent() as agent:
        first = agent.process_damage_report(FOCUS, "bonnet dented")
        second = agent.process_damage_report(FOCUS, "bonnet dented")
    assert first.performance["report_cache"] == "miss"
    assert second.performance["report_cache"] == "hit"


def test_errors_are_raised_in_the_calling_thread() -> None:
    """The project's errors arrive typed, with their fields, in the thread that called."""
    with SyncPartsAgent() as agent:
        with pytest.raises(UnresolvedVehicle) as info:
            agent.process_damage_report({"make": "Ford", "year": 2019}, "hood")
        assert {c.name for c in info.value.candidates} >= {"FORD FOCUS"}
        with pytest.raises(InputError):
            agent.process_damage_report(FOCUS, "")


def test_process_batch_is_a_plain_iterator_in_order() -> None:
    """Results in input order, a bad item as a value; leaving early is fine."""
    items: list[Any] = [{"vehicle": FOCUS, "damaged_parts": d} for d in DAMAGES] + [
        {"vehicle": FOCUS}
    ]
    with SyncPartsAgent() as agent:
        results = list(agent.process_batch(items, concurrency=2))
        assert [r.index for r in results] == list(range(5))
        assert [r.ok for r in results] == [True, True, True, True, False]
        for r in agent.process_batch(iter(items * 20)):
            if r.index == 3:
                break
        # the agent still answers after a batch left early
        assert agent.process_damage_report(FOCUS, "hood").lines is not None


def test_a_closed_agent_refuses_calls() -> None:
    """After close() (or the with block) a call is a UsageError, and close() is idempotent."""
    agent = SyncPartsAgent()
    agent.close()
    agent.close()
    with pytest.raises(UsageError, match="closed"):
        agent.process_damage_report(FOCUS, "hood")
    with pytest.raises(UsageError, match="closed"), agent:
        pass
