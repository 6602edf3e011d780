"""LLMPlanner: OpenAI tool calling over the same tools the rules planner uses.

The model resolves the vehicle, maps each damaged component, asks for the
secondary parts, searches the catalog and ends by calling
``submit_parts_list``; the agent then prices the plan itself. Any endpoint that
speaks the chat completions wire format works (``base_url``). The API key
never reaches a log, a repr or an error message.
"""

from __future__ import annotations

from dataclasses import replace

import openai

from ..._catalog.manager import BucketManager
from ..._exceptions import InputError
from ..._lifecycle import AsyncResource
from ..._pricing.plan import Plan, PlanRequest
from ..._urls import redact_url
from .client import DEFAULT_MODEL, ChatClient
from .conversation import Conversation
from .tools import DEFAULT_MAX_MODEL_TEXT, DEFAULT_MAX_TOOL_CALLS, SYSTEM_PROMPT, TOOLS

__all__ = ["DEFAULT_MODEL", "SYSTEM_PROMPT", "TOOLS", "LLMPlanner"]


def _count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InputError(f"{name} must be an integer of at least {minimum}, not {value!r}")
    return value


class LLMPlanner(AsyncResource):
    """Plans a report with an OpenAI-compatible chat model calling the library's tools.

    Keyword-only options (defaults in brackets): ``model`` [env
    PARTSAGENT_LLM_MODEL, else gpt-4o-mini]; ``base_url`` [env
    PARTSAGENT_LLM_BASE_URL, then OPENAI_BASE_URL, else OpenAI's]; ``api_key``
    [env OPENAI_API_KEY, checked at the first plan so an agent that never uses
    this planner needs no key]; ``temperature`` [0.2]; ``max_steps`` [8 model
    round trips]; ``timeout`` [30 s per model call, and never past the report
    deadline]; ``max_retries`` [2, by the openai client]; ``max_tool_calls``
    [64 tool calls run per model reply; more are dropped, with a warning];
    ``max_model_text`` [500 characters kept of any string the model sends:
    warnings, notes, names; longer ones are cut, with a warning]; ``client``:
    an ``openai.AsyncOpenAI`` to use instead (not closed by ``aclose``).
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
        max_tool_calls: int = DEFAULT_MAX_TOOL_CALLS,
        max_model_text: int = DEFAULT_MAX_MODEL_TEXT,
        client: openai.AsyncOpenAI | None = None,
    ) -> None:
        for name, value in (("model", model), ("base_url", base_url), ("api_key", api_key)):
            if value is not None and not isinstance(value, str):
                raise InputError(f"{name} must be a string, not {type(value).__name__}")
        if (
            isinstance(temperature, bool)
            or not isinstance(temperature, int | float)
            or not 0 <= temperature <= 2
        ):
            raise InputError(f"temperature must be a number from 0 to 2, not {temperature!r}")
        self.max_steps = _count("max_steps", max_steps, 1)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
            raise InputError(f"timeout must be a positive number of seconds, not {timeout!r}")
        _count("max_retries", max_retries, 0)
        self.max_tool_calls = _count("max_tool_calls", max_tool_calls, 1)
        self.max_model_text = _count("max_model_text", max_model_text, 1)
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
        conversation = Conversation(
            self.chat,
            self.max_steps,
            catalog,
            request,
            max_tool_calls=self.max_tool_calls,
            max_model_text=self.max_model_text,
        )
        plan = await conversation.execute()
        # The build is read from the caller's own words once the model is done, never from
        # the model's: a variant the vehicle lacks is the caller's InputError, not a tool error.
        return replace(plan, build=request.read_build(plan.resolution))
