"""The model endpoint: the API key kept secret, one chat round trip, errors translated once.

"from None" on every translated error: the openai error holds the request,
Authorization header included, and may echo the key in its message; neither
may reach a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, cast

import anyio
import openai
from openai.types.chat import ChatCompletion
from pydantic import SecretStr

from ..._exceptions import PlannerError, UsageError
from ..._metrics import timer
from .tools import TOOLS

__all__ = ["DEFAULT_MODEL", "ChatClient", "env"]

DEFAULT_MODEL = "gpt-4o-mini"


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
        return f"ChatClient(model={self.model!r}, base_url={self.base_url!r})"

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
        """Remove the key from text that came from outside (an endpoint's error body)."""
        key = self._key()
        if self._client is not None and isinstance(self._client.api_key, str):
            key = key or self._client.api_key
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
                "llm_options={'api_key': ...}; or use planner='rules', which needs none"
            )
        try:
            self._client = openai.AsyncOpenAI(
                api_key=key,
                base_url=self.base_url,
                timeout=self.timeout,
                max_retries=self.max_retries,
            )
        except openai.OpenAIError as exc:
            raise PlannerError(
                f"could not configure the model client: {self._scrub(str(exc))}"
            ) from None
        return self._client

    async def complete(self, messages: Sequence[Mapping[str, Any]], step: int) -> ChatCompletion:
        """One model round trip; every openai error becomes a PlannerError here, once."""
        client = self._ensure_client()
        # The client's own timeout and retries act first; this bounds the whole call anyway.
        guard = self.timeout * (self.max_retries + 1) + 10.0 * self.max_retries
        where = f"model {self.model!r} at {self.base_url or 'the OpenAI API'}"
        try:
            with anyio.fail_after(guard):
                async with timer("llm.chat", model=self.model, step=step):
                    return await client.chat.completions.create(
                        model=self.model,
                        # plain dicts on the wire; openai's TypedDicts add nothing here
                        messages=cast(Any, messages),
                        tools=cast(Any, TOOLS),
                        tool_choice="auto",
                        temperature=self.temperature,
                        timeout=self.timeout,
                    )
        except (TimeoutError, openai.APITimeoutError):
            raise PlannerError(
                f"the {where} did not answer within {self.timeout:g}s; raise "
                "llm_options['timeout'] or check the endpoint"
            ) from None
        except openai.RateLimitError as exc:
            raise PlannerError(
                f"the {where} is rate limiting (HTTP {exc.status_code}): "
                f"{self._detail(exc)}; retry later or lower the request rate"
            ) from None
        except openai.AuthenticationError as exc:
            raise PlannerError(
                f"the {where} refused the API key (HTTP {exc.status_code}); check OPENAI_API_KEY"
            ) from None
        except openai.APIStatusError as exc:
            raise PlannerError(
                f"the {where} answered HTTP {exc.status_code}: {self._detail(exc)}"
            ) from None
        except openai.APIConnectionError:
            raise PlannerError(
                f"could not connect to the {where}; check base_url and the network"
            ) from None
        except openai.OpenAIError as exc:
            raise PlannerError(
                f"the {where} failed: {type(exc).__name__}: {self._scrub(str(exc))[:300]}"
            ) from None

    def _detail(self, exc: openai.APIError) -> str:
        body = exc.body
        message = body.get("message") if isinstance(body, dict) else None
        return self._scrub(str(message or exc.message))[:300]
