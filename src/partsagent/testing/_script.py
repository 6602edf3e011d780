"""A scripted model's answers as a JSON file, for ``python -m partsagent.testing llm-server``.

The file is a JSON list with one object per request, in order::

    [
      {"tool_calls": [{"name": "resolve_vehicle",
                       "arguments": {"make": "Vauxhall", "model": "Astra", "year": 2018}}]},
      {"text": "I cannot help with that."},
      {"error": {"status": 503, "message": "overloaded"}},
      ...
    ]

Each object may also hold ``usage`` (``prompt_tokens``, ``completion_tokens``)
and ``delay`` (seconds before answering). ``tool_calls`` may carry ``content``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from .._exceptions import InputError
from ._llm_server import Step, ToolCall

__all__ = ["load_script"]

_KEYS = frozenset({"tool_calls", "text", "error", "content", "usage", "delay"})


def _step(n: int, item: object) -> Step:
    where = f"step {n}"
    if not isinstance(item, Mapping):
        raise InputError(f"{where} must be an object with tool_calls, text or error")
    unknown = set(item) - _KEYS
    if unknown:
        raise InputError(f"{where} has unknown keys {sorted(unknown)}; use {sorted(_KEYS)}")
    kinds = [k for k in ("tool_calls", "text", "error") if k in item]
    if len(kinds) != 1:
        raise InputError(f"{where} needs exactly one of tool_calls, text or error")
    usage = item.get("usage")
    delay = item.get("delay", 0.0)
    if usage is not None and not isinstance(usage, Mapping):
        raise InputError(f"{where}: usage must be an object of token counts")
    if not isinstance(delay, int | float) or delay < 0:
        raise InputError(f"{where}: delay must be a number of seconds >= 0")
    if "error" in item:
        error = item["error"]
        if not isinstance(error, Mapping) or not isinstance(error.get("status"), int):
            raise InputError(f'{where}: error must be like {{"status": 503, "message": "..."}}')
        return Step.fail(error["status"], str(error.get("message", "scripted error")))
    if "text" in item:
        if not isinstance(item["text"], str):
            raise InputError(f"{where}: text must be a string")
        return Step.text(item["text"], usage=usage, delay=float(delay))
    calls = item["tool_calls"]
    if not isinstance(calls, list) or not calls:
        raise InputError(f"{where}: tool_calls must be a non-empty list")
    return Step.tools(
        *(_call(where, i, c) for i, c in enumerate(calls, 1)),
        content=item.get("content"),
        usage=usage,
        delay=float(delay),
    )


def _call(where: str, i: int, call: Any) -> ToolCall:
    if not isinstance(call, Mapping) or not isinstance(call.get("name"), str):
        raise InputError(f'{where}, call {i} must be like {{"name": ..., "arguments": {{...}}}}')
    arguments = call.get("arguments", {})
    if not isinstance(arguments, Mapping | str):
        raise InputError(f"{where}, call {i}: arguments must be an object (or a raw string)")
    return ToolCall(call["name"], arguments, id=call.get("id"))


def load_script(path: str | Path) -> list[Step]:
    """The Steps of a script file; InputError names the step that is wrong."""
    try:
        data = orjson.loads(Path(path).read_bytes())
    except OSError as exc:
        raise InputError(f"cannot read the script {str(path)!r}: {exc.strerror}") from None
    except orjson.JSONDecodeError as exc:
        raise InputError(f"the script {str(path)!r} is not JSON: {exc}") from None
    if not isinstance(data, list) or not data:
        raise InputError(f"the script {str(path)!r} must be a non-empty JSON list of steps")
    return [_step(n, item) for n, item in enumerate(data, 1)]
