"""LLMPlanner: OpenAI tool calling over the same tools the rules planner uses.

The model resolves the vehicle, maps each damaged component, asks for the
secondary parts, searches the catalog and ends by calling
``submit_parts_list``; the agent then prices the plan itself. Any endpoint that
speaks the chat completions wire format works (``base_url``). The API key
never reaches a log, a repr or an error message.
"""

from __future__ import annotations

import openai

from ..._catalog.manager import BucketManager
from ..._exceptions import InputError
from ..._pricing.plan import Plan, PlanRequest
from ..._urls import redact_url
from .client import DEFAULT_MODEL, ChatClient
from .conversation import Conversation
from .tools import SYSTEM_PROMPT, TOOLS

__all__ = ["DEFAULT_MODEL", "SYSTEM_PROMPT", "TOOLS", "LLMPlanner"]


class LLMPlanner:
    """Plans a report with an OpenAI-compatible chat model calling the library's tools.

    Keyword-only options (defaults in brackets): ``model`` [env
    PARTSAGENT_LLM_MODEL, else gpt-4o-mini]; ``base_url`` [env
    PARTSAGENT_LLM_BASE_URL, then OPENAI_BASE_URL, else OpenAI's]; ``api_key``
    [env OPENAI_API_KEY, checked at the first plan so an agent that never uses
    this planner needs no key]; ``temperature`` [0.2]; ``max_steps`` [8 model
    round trips]; ``timeout`` [30 s per model call]; ``max_retries`` [2, by the
    openai client]; ``client``: an ``openai.AsyncOpenAI`` to use instead (not
    closed by ``aclose``).
    """

    name = "llm"

    def __init__(
        self,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        temperature: float = 0.2,
        max_steps: int = 8,
        timeout: float = 30.0,
        max_retries: int = 2,
        client: openai.AsyncOpenAI | None = None,
    ) -> None:
        if max_steps < 1:
            raise InputError("max_steps must be at least 1")
        if timeout <= 0:
            raise InputError("timeout must be positive (seconds per model call)")
        if max_retries < 0:
            raise InputError("max_retries must be 0 or more")
        self.max_steps = max_steps
        self.chat = ChatClient(
            model=model,
            base_url=base_url,
            api_key=api_key,
            temperature=temperature,
            timeout=timeout,
            max_retries=max_retries,
            client=client,
        )

    @property
    def model(self) -> str:
        return self.chat.model

    @property
    def base_url(self) -> str | None:
        return self.chat.base_url

    @property
    def timeout(self) -> float:
        return self.chat.timeout

    def __repr__(self) -> str:
        shown = redact_url(self.base_url) if self.base_url else None
        return (
            f"LLMPlanner(model={self.model!r}, base_url={shown!r}, "
            f"max_steps={self.max_steps}, timeout={self.timeout:g})"
        )

    async def aclose(self) -> None:
        """Close the client this planner created (an injected one stays open)."""
        await self.chat.aclose()

    async def plan(self, catalog: BucketManager, request: PlanRequest) -> Plan:
        return await Conversation(self.chat, self.max_steps, catalog, request).execute()
