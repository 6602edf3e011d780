"""ScriptedOpenAIServer: a fake OpenAI-compatible endpoint that replays a script.

Shipped with the library so users can test their own code against the LLM
planner without a network or an API key. It speaks the chat completions wire
format (non-streaming) on 127.0.0.1, answers each request with the next step of
the script (or asks a *responder* callable), runs each step's check on the
request it received, and records every request. ``Step.raw`` sends any body
(cut short, HTML, the wrong shape), to test what a broken endpoint does.
Anything unexpected (a request beyond the script, a failed check, a wrong API
key) is answered with HTTP 500 *and* recorded in ``failures``, so a test
asserts ``server.failures == []`` and never passes by accident::

    async with ScriptedOpenAIServer([Step.tools(ToolCall("decode_vin", {"vin": v}))]) as server:
        planner = LLMPlanner(base_url=server.base_url, api_key="test-key")
"""

from __future__ import annotations

import inspect
import itertools
import json
import socket
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import anyio
from aiohttp import web

from .._exceptions import UsageError
from .._lifecycle import AsyncResource

__all__ = ["Answer", "Check", "Responder", "ScriptedOpenAIServer", "Step", "ToolCall"]

Check = Callable[[dict[str, Any]], None]
"""Asserts on the JSON body of a request; raise (e.g. AssertionError) to fail the step."""

Answer: TypeAlias = "Step | Mapping[str, Any]"
"""A Step, or an assistant message dict (``usage`` in it is taken out as the usage)."""
Responder: TypeAlias = Callable[[dict[str, Any]], "Answer | Awaitable[Answer]"]
"""Decides the answer from the request: a Step, or an assistant message dict."""

_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One function call the fake model makes; a str ``arguments`` is sent as is (bad JSON too)."""

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    def wire(self) -> dict[str, Any]:
        args = self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)
        return {
            "id": self.id or f"call_{next(_ids)}",
            "type": "function",
            "function": {"name": self.name, "arguments": args},
        }


@dataclass(frozen=True, slots=True)
class Step:
    """One scripted answer: an assistant message, an HTTP error or a raw body, maybe delayed."""

    message: Mapping[str, Any] | None = None
    usage: Mapping[str, int] | None = None
    status: int = 200
    error: str = ""
    delay: float = 0.0
    check: Check | None = None
    body: bytes | None = None
    """Sent as is instead of a completion (see ``raw``)."""
    content_type: str = "application/json"

    @classmethod
    def tools(
        cls,
        *calls: ToolCall,
        content: str | None = None,
        usage: Mapping[str, int] | None = None,
        delay: float = 0.0,
        check: Check | None = None,
    ) -> Step:
        """The model calls ``calls`` (several make one parallel tool-call message)."""
        message = {"role": "assistant", "content": content, "tool_calls": [c.wire() for c in calls]}
        return cls(message=message, usage=usage, delay=delay, check=check)

    @classmethod
    def text(
        cls,
        content: str,
        *,
        usage: Mapping[str, int] | None = None,
        delay: float = 0.0,
        check: Check | None = None,
    ) -> Step:
        """The model answers with plain text and calls no tool."""
        return cls(
            message={"role": "assistant", "content": content},
            usage=usage,
            delay=delay,
            check=check,
        )

    @classmethod
    def raw(
        cls,
        body: bytes | str,
        *,
        status: int = 200,
        content_type: str = "application/json",
        check: Check | None = None,
    ) -> Step:
        """The endpoint answers ``body`` as is: a truncated or HTML body, the wrong shape."""
        data = body.encode() if isinstance(body, str) else body
        return cls(status=status, body=data, content_type=content_type, check=check)

    @classmethod
    def fail(
        cls, status: int, message: str = "scripted error", *, check: Check | None = None
    ) -> Step:
        """The endpoint answers ``status`` with an OpenAI-style error body."""
        if status < 400:
            raise UsageError(f"an error step needs a 4xx or 5xx status, not {status}")
        return cls(status=status, error=message, check=check)


def _usage(usage: Mapping[str, int] | None) -> dict[str, int]:
    prompt = int((usage or {}).get("prompt_tokens", 10))
    completion = int((usage or {}).get("completion_tokens", 5))
    total = int((usage or {}).get("total_tokens", prompt + completion))
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}


def _completion(step: Step, model: str) -> dict[str, Any]:
    message = dict(step.message or {"role": "assistant", "content": ""})
    message.setdefault("role", "assistant")
    message.setdefault("content", None)
    return {
        "id": f"chatcmpl-scripted-{next(_ids)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
            }
        ],
        "usage": _usage(step.usage),
    }


class ScriptedOpenAIServer(AsyncResource):
    """A chat completions endpoint on 127.0.0.1 that replays ``script`` or asks a responder.

    ``script`` is a sequence of Steps, one per request in order, or a
    responder ``(request_json) -> Step | assistant message`` called for every
    request. With ``api_key`` set, each request must carry
    ``Authorization: Bearer <api_key>``; ``port`` 0 picks a free one.
    ``requests`` holds the JSON body of every request, ``headers`` their
    headers, ``failures`` what went wrong.
    """

    def __init__(
        self, script: Sequence[Step] | Responder, *, api_key: str | None = None, port: int = 0
    ) -> None:
        self._script: list[Step] | None = None if callable(script) else list(script)
        self._responder: Responder | None = script if callable(script) else None
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.failures: list[str] = []
        self._closing = anyio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._wanted_port = port
        self._used = False

    def __repr__(self) -> str:
        return f"ScriptedOpenAIServer(port={self._port}, requests={len(self.requests)})"

    @property
    def base_url(self) -> str:
        """The URL to give an OpenAI client: ``http://127.0.0.1:PORT/v1``."""
        if self._port is None:
            raise UsageError(
                "the server is not running; use 'async with ScriptedOpenAIServer(...)'"
            )
        return f"http://127.0.0.1:{self._port}/v1"

    @property
    def remaining(self) -> int:
        """Scripted steps not consumed yet (0 in responder mode)."""
        if self._script is None:
            return 0
        return max(0, len(self._script) - len(self.requests))

    async def _open(self) -> None:
        if self._used:
            raise UsageError("a ScriptedOpenAIServer runs once; create a new one")
        self._used = True
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", self._wanted_port))
        except OSError:
            sock.close()
            await runner.cleanup()
            raise
        self._port = sock.getsockname()[1]
        self._runner = runner
        try:
            await web.SockSite(runner, sock).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise

    async def aclose(self) -> None:
        """Wake delayed answers and stop the server."""
        self._closing.set()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    def _fail(self, message: str) -> web.Response:
        self.failures.append(message)
        return web.json_response(
            {"error": {"message": f"ScriptedOpenAIServer: {message}", "type": "script_error"}},
            status=500,
        )

    async def _handle(self, request: web.Request) -> web.Response:
        index = len(self.requests)
        try:
            body = await request.json()
        except ValueError as exc:
            self.requests.append({})
            self.headers.append(dict(request.headers))
            return self._fail(f"request {index + 1}: body is not JSON ({exc})")
        if not isinstance(body, dict):
            body = {"body": body}
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        wanted = None if self.api_key is None else f"Bearer {self.api_key}"
        if wanted is not None and request.headers.get("Authorization") != wanted:
            return self._fail(f"request {index + 1}: Authorization does not carry the test key")
        try:
            step = await self._next_step(index, body)
        except _ScriptExhausted as exc:
            return self._fail(str(exc))
        except Exception as exc:  # a responder's bug is the test's failure, reported not raised
            return self._fail(f"request {index + 1}: responder raised {exc!r}")
        if step.check is not None:
            try:
                step.check(body)
            except Exception as exc:  # the check's assertion is the test's failure
                return self._fail(f"request {index + 1}: check failed: {exc!r}")
        if step.delay > 0:
            with anyio.move_on_after(step.delay):
                await self._closing.wait()
        if step.body is not None:
            return web.Response(body=step.body, status=step.status, content_type=step.content_type)
        if step.status >= 400:
            return web.json_response(
                {"error": {"message": step.error, "type": "scripted", "code": str(step.status)}},
                status=step.status,
            )
        return web.json_response(_completion(step, str(body.get("model", "scripted"))))

    async def _next_step(self, index: int, body: dict[str, Any]) -> Step:
        if self._script is not None:
            if index >= len(self._script):
                raise _ScriptExhausted(
                    f"request {index + 1} is beyond the script of {len(self._script)} steps"
                )
            return self._script[index]
        assert self._responder is not None
        answer = self._responder(body)
        if inspect.isawaitable(answer):
            answer = await answer
        if isinstance(answer, Step):
            return answer
        message = dict(answer)
        usage = message.pop("usage", None)
        return Step(message=message, usage=usage)


class _ScriptExhausted(Exception):
    pass
