"""WorkerPool: workers started at once, a vehicle's items on one worker, CPU counted per worker."""

from __future__ import annotations

import asyncio
import functools
import math
import os
import time
from collections.abc import AsyncIterator, Hashable
from pathlib import Path

import pytest

from _worker_pids import worker_pids
from partsagent import PartsAgent
from partsagent._processes import IMBALANCE, WorkerPool, _new_agent, _stable_hash, vehicle_key

Item = tuple[int, str]
"""(position in the input, vehicle)."""


async def _where(agent: PartsAgent, items: list[Item]) -> list[tuple[int, int]]:
    """Each item's position and the worker (pid) that ran it; a little CPU per item."""
    assert agent.catalog is not None
    out = []
    for index, _ in items:
        deadline = time.process_time() + 0.002
        while time.process_time() < deadline:
            pass
        out.append((index, os.getpid()))
    return out


def _key(item: Item) -> Hashable:
    return item[1]


async def _chunks(items: list[Item], size: int) -> AsyncIterator[list[Item]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _nothing() -> None:
    return None


def _setup() -> PartsAgent:
    return _new_agent({})


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
async def test_workers_start_before_any_chunk_is_given() -> None:
    """The workers' agents overlap the parent's reading of its input."""
    before = set(worker_pids(os.getpid()))
    async with WorkerPool(_setup, jobs=2) as pool:
        for _ in range(100):  # forked by the fork server, which may be starting
            if len(set(worker_pids(os.getpid())) - before) == 2:
                break
            await asyncio.sleep(0.05)
        assert len(set(worker_pids(os.getpid())) - before) == 2
        await pool.finish(_nothing)


async def test_a_vehicles_items_go_to_one_worker_and_come_back_in_input_order() -> None:
    # Two models that hash to different workers, taking turns: half of each chunk each.
    names = [f"model {i}" for i in range(10)]
    first = names[0]
    second = next(n for n in names if _stable_hash(n) % 2 != _stable_hash(first) % 2)
    items = [(i, (first, second)[i % 2]) for i in range(96)]
    async with WorkerPool(_setup, jobs=2) as pool:
        results = [
            r async for chunk in pool.map(_chunks(items, 32), _where, key=_key) for r in chunk
        ]
        await pool.finish(_nothing)
    assert [index for index, _ in results] == list(range(96))
    workers: dict[str, set[int]] = {}
    for (_, vehicle), (_, pid) in zip(items, results, strict=True):
        workers.setdefault(vehicle, set()).add(pid)
    assert all(len(pids) == 1 for pids in workers.values())
    assert len(set().union(*workers.values())) == 2
    assert sum(cpu.items for cpu in pool.cpu) == 96


async def test_one_vehicle_still_uses_every_worker_within_the_imbalance_bound() -> None:
    items = [(i, "the only model") for i in range(64)]
    async with WorkerPool(_setup, jobs=2) as pool:
        results = [
            r async for chunk in pool.map(_chunks(items, 32), _where, key=_key) for r in chunk
        ]
        await pool.finish(_nothing)
    assert [index for index, _ in results] == list(range(64))
    per_worker = sorted(cpu.items for cpu in pool.cpu)
    assert per_worker[1] <= 2 * math.ceil(IMBALANCE * 32 / 2)  # two chunks, each capped
    assert per_worker[0] > 0


async def test_each_worker_counts_its_start_and_its_work() -> None:
    items = [(i, f"model {i}") for i in range(40)]
    async with WorkerPool(_setup, jobs=2) as pool:
        async for _ in pool.map(_chunks(items, 10), functools.partial(_where), key=_key):
            pass
        await pool.finish(_nothing)
    assert len(pool.cpu) == 2
    assert sum(cpu.items for cpu in pool.cpu) == 40
    assert sum(cpu.chunks for cpu in pool.cpu) >= 4  # a chunk split in two counts twice
    for cpu in pool.cpu:
        assert cpu.start_s > 0.05  # an interpreter and the imports of an agent
        assert cpu.work_s >= 0.002 * cpu.items  # the items' own CPU, nothing lost


@pytest.mark.parametrize(
    ("report", "key"),
    [
        ({"vehicle": {"make": "Ford", "model": "Focus", "year": 2019}}, ("ford", "focus")),
        ({"vehicle": {"make": "FORD", "model": "focus", "year": 2020}}, ("ford", "focus")),
        ({"vehicle": "Ford Focus 2019"}, "ford focus"),
        ({"vehicle": None}, None),
        ("not a report", None),
    ],
)
def test_the_key_is_the_make_and_model_whatever_the_year_or_case(
    report: object, key: Hashable | None
) -> None:
    assert vehicle_key(report) == key
