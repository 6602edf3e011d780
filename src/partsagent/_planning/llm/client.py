"""The model endpoint: the API key kept secret, one chat round trip, errors translated once.

Any failure of the model client (an openai error, a body that is not JSON, a
reply of the wrong shape) becomes a PlannerError, raised outside the ``except``
clause: the openai error holds the request, Authorization header included, and
may echo the key in its message, so it must not stay in ``__context__``. The
base URL is shown redacted (``_urls``): it may carry a key too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, cast

import anyio
import openai
import orjson
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, SecretStr, ValidationError, model_validator

from ..._exceptions import PlannerError, UsageError
from ..._metrics import timer
from ..._urls import redact_text, redact_url
from .tools import TOOLS

__all__ = ["DEFAULT_MODEL", "ChatClient", "env"]

DEFAULT_MODEL = "gpt-4o-mini"
_DEADLINE_MARGIN = 0.05
"""Seconds before an enclosing deadline at which a model call gives up, to say why."""


def env(*names: str) -> str | None:
    """The first of the environment variables ``names`` that is set and not empty."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


class ChatClient:
    """One OpenAI-compatible chat endpoint; the openai client is created at the first call."""

    def __init__(
        self,
        *,
        model: str | None,
        base_url: str | None,
        api_key: str | None,
        temperature: float,
        timeout: float,
        max_retries: int,
        client: openai.AsyncOpenAI | None,
    ) -> None:
        self.model = model or env("PARTSAGENT_LLM_MODEL") or DEFAULT_MODEL
        self.base_url = base_url or env("PARTSAGENT_LLM_BASE_URL", "OPENAI_BASE_URL")
        self._api_key = SecretStr(api_key) if api_key else None
        self.temperature = temperature
        self.timeout = timeout
        self.max_retries = max_retries
        self._client = client
        self._owns_client = client is None
        self._closed = False

    def __repr__(self) -> str:
        shown = redact_url(self.base_url) if self.base_url else None
        return f"ChatClient(model={self.model!r}, base_url={shown!r})"

    async def aclose(self) -> None:
        """Close the openai client this object created (an injected one stays open)."""
        if self._closed:
            return
        self._closed = True
        if self._owns_client and self._client is not None:
            await self._client.close()

    def _key(self) -> str | None:
        if self._api_key is not None:
            return self._api_key.get_secret_value()
        return env("OPENAI_API_KEY")

    def _scrub(self, text: str) -> str:
        """Remove the key and URL credentials from text that came from outside."""
        key = self._key()
        if self._client is not None and isinstance(self._client.api_key, str):
            key = key or self._client.api_key
        text = redact_text(text)
        return text.replace(key, "***") if key else text

    def _ensure_client(self) -> openai.AsyncOpenAI:
        if self._closed:
            raise UsageError("this LLMPlanner is closed; create a new one")
        if self._client is not None:
            return self._client
        key = self._key()
        if not key:
            raise PlannerError(
                "the LLM planner needs an API key: set OPENAI_API_KEY or pass "
                "LLMPlanner(api_key=...); or use planner='rules', which needs none"
            )
        try:
            self._client = openai.AsyncOpenAI(
                api_key=key,
                base_url=self.base_url,
                timeout=self.timeout,
                max_retries=self.max_retries,
            )
        except Exception as exc:  # e.g. a base URL httpx cannot parse
            error = PlannerError(
                f"could not configure the model client: {type(exc).__name__}: "
                f"{self._scrub(str(exc))[:300]}"
            )
        else:
            return self._client
        raise error  # outside the except clause: no openai error in __context__

    async def complete(self, messages: Sequence[Mapping[str, Any]], step: int) -> ChatCompletion:
        """One model round trip; whatever goes wrong becomes a PlannerError here, once.

        The error is raised outside the ``except`` clause, so that neither its
        cause nor its context keeps the openai exception (whose message or
        request may hold the key).
        """
        client = self._ensure_client()
        # The client's own timeout and retries act first; this bounds the whole call anyway,
        # and ends it just before a deadline around it (the report's), so that a model that
        # hangs is named as such rather than as the whole report running out of time.
        guard = self.timeout * (self.max_retries + 1) + 10.0 * self.max_retries
        outer = anyio.current_effective_deadline() - anyio.current_time() - _DEADLINE_MARGIN
        by_deadline = outer < guard
        try:
            with anyio.fail_after(max(min(guard, outer), 0.0)):
                async with timer("llm.chat", model=self.model, step=step):
                    raw = await client.chat.completions.with_raw_response.create(
                        model=self.model,
                        # plain dicts on the wire; openai's TypedDicts add nothing here
                        messages=cast(Any, messages),
                        tools=cast(Any, TOOLS),
                        tool_choice="auto",
                        temperature=self.temperature,
                        timeout=self.timeout,
                    )
                    return _read_reply(raw)
        except TimeoutError:
            error = (
                PlannerError(
                    f"the {self.where} did not answer before the report deadline; raise "
                    "report_deadline or check the endpoint"
                )
                if by_deadline
                else self._translate(TimeoutError())
            )
        except Exception as exc:  # every failure of the model client, whatever its type
            error = self._translate(exc)
        raise error

    @property
    def where(self) -> str:
        """The endpoint as messages name it: model and redacted URL."""
        url = redact_url(self.base_url) if self.base_url else "the OpenAI API"
        return f"model {self.model!r} at {url}"

    def _translate(self, exc: Exception) -> PlannerError:
        where = self.where
        if isinstance(exc, TimeoutError | openai.APITimeoutError):
            return PlannerError(
                f"the {where} did not answer within {self.timeout:g}s; raise "
                "LLMPlanner(timeout=...) or check the endpoint"
            )
        if isinstance(exc, _BadReply):
            return PlannerError(f"the {where} {exc}; check that it speaks the chat completions API")
        if isinstance(exc, openai.RateLimitError):
            return PlannerError(
                f"the {where} is rate limiting (HTTP {exc.status_code}): "
                f"{self._detail(exc)}; retry later or lower the request rate"
            )
        if isinstance(exc, openai.AuthenticationError):
            return PlannerError(
                f"the {where} refused the API key (HTTP {exc.status_code}); check OPENAI_API_KEY"
            )
        if isinstance(exc, openai.APIStatusError):
            return PlannerError(f"the {where} answered HTTP {exc.status_code}: {self._detail(exc)}")
        if isinstance(exc, openai.APIConnectionError):
            return PlannerError(f"could not connect to the {where}; check base_url and the network")
        return PlannerError(
            f"the {where} failed: {type(exc).__name__}: {self._scrub(str(exc))[:300]}"
        )

    def _detail(self, exc: openai.APIError) -> str:
        body = exc.body
        message = body.get("message") if isinstance(body, dict) else None
        return self._scrub(str(message or exc.message))[:300]


class _BadReply(Exception):
    """The endpoint answered, but not with a chat completion the planner can use."""


class _Function(BaseModel):
    name: str
    arguments: str


class _ToolCall(BaseModel):
    id: str
    type: str = "function"
    function: _Function | None = None

    @model_validator(mode="after")
    def _function_call_has_function(self) -> _ToolCall:
        if self.type == "function" and self.function is None:
            raise ValueError("a function tool call needs 'function'")
        return self


class _Message(BaseModel):
    content: str | None = None
    tool_calls: list[_ToolCall] | None = None


class _Choice(BaseModel):
    message: _Message


class _Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class _Reply(BaseModel):
    """What the planner reads of a completion; openai's own models are built without checks."""

    choices: list[_Choice]
    usage: _Usage | None = None


def _read_reply(raw: Any) -> ChatCompletion:
    """The completion of a raw response, after checking every part the planner reads."""
    http = raw.http_response
    body: bytes = http.content
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        kind = http.headers.get("content-type", "no content type").split(";")[0]
        raise _BadReply(
            f"answered HTTP {http.status_code} with a body that is not JSON "
            f"({kind}, {len(body)} bytes; cut short, or an error page)"
        ) from None
    try:
        _Reply.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "the reply"
        raise _BadReply(
            f"answered with a reply of the wrong shape ({where}: {err['msg']})"
        ) from None
    completion = raw.parse()
    if not isinstance(completion, ChatCompletion):
        raise _BadReply(f"answered with a {type(completion).__name__}, not a chat completion")
    return completion
