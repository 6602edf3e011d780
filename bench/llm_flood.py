"""A model reply with 2,000 tool calls: what it costs the event loop and memory, capped or not.

One LLM report on the embedded sample whose model (the scripted OpenAI-compatible
server, in a thread of its own) resolves the vehicle, then asks for 2,000
``map_component`` calls in one reply, then submits a parts list with warnings of
50,000 characters. Measured in a fresh child process (spawn) per setting: the
longest the event loop went without running a 5 ms ticker (its worst stall), the
report's wall time, and peak RSS above the process's RSS before the report. The
settings: the defaults (``max_tool_calls=64``, ``max_model_text=500``) and caps
too high to act (every call run, every string kept: the library before the caps);
and, for reference, the same report whose reply holds one call (the stall of a
first model call: the client's set-up).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
import time
from typing import Any

import _common as c
from partsagent import PartsAgent
from partsagent.planning import LLMPlanner
from partsagent.testing import ScriptedOpenAIServer, Step, ToolCall

CALLS = 2000
TEXT = 50_000
ASTRA = {"make": "Vauxhall", "model": "Astra", "year": 2018}
LINE = {"component": "Front Bumper Cover", "category_id": "CAT001", "axle": "front",
        "reason": "damaged", "severity": "severe", "why": "Smashed."}  # fmt: skip
NO_CAPS = {"max_tool_calls": 10**6, "max_model_text": 10**9}
DEFAULTS = "defaults (64 calls, 500 chars)"


def _script(calls: int) -> list[Step]:
    flood = [ToolCall("map_component", {"component": "bonnet"}) for _ in range(calls)]
    return [
        Step.tools(ToolCall("resolve_vehicle", ASTRA)),
        Step.tools(*flood, content="x" * TEXT),
        Step.tools(ToolCall("submit_parts_list", {"lines": [LINE], "warnings": ["y" * TEXT]})),
    ]


def _serve(script: list[Step], ready: list[str], stop: threading.Event) -> None:
    async def main() -> None:
        async with ScriptedOpenAIServer(script, api_key="bench") as server:
            ready.append(server.base_url)
            await asyncio.to_thread(stop.wait)

    asyncio.run(main())


async def _report(base_url: str, options: dict[str, int]) -> dict[str, Any]:
    planner = LLMPlanner(base_url=base_url, api_key="bench", model="m", max_retries=0, **options)
    async with PartsAgent(planner=planner, report_deadline=120) as agent:
        worst = 0.0
        done = False

        async def ticker() -> None:
            nonlocal worst
            last = time.perf_counter()
            while not done:
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                worst = max(worst, now - last - 0.005)
                last = now

        rss_before = c.rss_mb()
        tick = asyncio.create_task(ticker())
        started = time.perf_counter()
        report = await agent.process_damage_report(ASTRA, [{"component": "Front Bumper Cover"}])
        wall = time.perf_counter() - started
        done = True
        await tick
    return {
        "wall_s": round(wall, 3),
        "worst_stall_ms": round(worst * 1000, 1),
        "peak_rss_above_mb": round(c.peak_rss_mb() - rss_before, 1),
        "tool_calls_run": sum(1 for e in report.trace if e.get("tool") == "map_component"),
        "longest_warning": max(len(w) for w in report.warnings),
    }


def _child(options: dict[str, int], calls: int, out: Any) -> None:
    c.quiet_logs()
    ready: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(target=_serve, args=(_script(calls), ready, stop))
    thread.start()
    while not ready:
        time.sleep(0.01)
    try:
        out.put(asyncio.run(_report(ready[0], options)))
    finally:
        stop.set()
        thread.join()


def measure(options: dict[str, int], calls: int) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(options, calls, queue))
    child.start()
    result: dict[str, Any] = queue.get(timeout=600)
    child.join()
    return result


def main() -> None:
    args = c.parse_args(__doc__ or "")
    calls = 500 if args.quick else CALLS
    runs = [
        ("one call (reference)", {}, 1),
        (DEFAULTS, {}, calls),
        ("no caps (before)", NO_CAPS, calls),
    ]
    results = {name: measure(options, n) for name, options, n in runs}
    rows = [
        [name, r["tool_calls_run"], r["longest_warning"], r["worst_stall_ms"], r["wall_s"],
         r["peak_rss_above_mb"]]
        for name, r in results.items()
    ]  # fmt: skip
    c.print_table(
        f"one model reply with {calls} tool calls and {TEXT:,}-character strings",
        ["setting", "calls run", "longest warning", "worst stall ms", "wall s", "peak RSS +MB"],
        rows,
    )
    capped, one = results[DEFAULTS], results["one call (reference)"]
    extra = round(capped["worst_stall_ms"] - one["worst_stall_ms"], 1)
    targets = [
        c.target("calls run, defaults", capped["tool_calls_run"], "<= 64",
                 capped["tool_calls_run"] <= 64),
        c.target("longest warning, defaults", capped["longest_warning"], "<= 500",
                 capped["longest_warning"] <= 500),
        c.target("stall above a one-call reply, defaults", extra, "<= 50 ms", extra <= 50, " ms"),
    ]  # fmt: skip
    c.print_targets(targets)
    c.write_result("llm_flood", {"calls": calls, "text": TEXT}, results, targets)


if __name__ == "__main__":
    main()
