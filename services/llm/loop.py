"""The tool loop: the model answers or asks for tools; tools run; their results go back to
the model; repeat until an answer or the step limit.

The loop knows nothing of gRPC, SQL or budgets: tools come from a `ToolExecutor` (the mcp
service in production, a plain Python class in tests) and the caller is told about each
model call and step through events, so it can account and persist them as they happen.
`before_model_call` runs before every model call, with the conversation and tools about to be
sent (to estimate the call's cost); raising there stops the turn with no call.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from services.llm.providers.base import (
    ChatMessage,
    ModelProvider,
    ModelReply,
    TextDelta,
    TokenUsage,
    ToolRequest,
    ToolSpec,
)

# More tool calls than this in one model reply are answered with an error, not run.
MAX_TOOL_CALLS_PER_STEP = 16
# Tool results longer than this are cut before they reach the model and the history.
MAX_RESULT_CHARS = 50_000


@dataclass(frozen=True)
class ToolOutcome:
    text: str
    is_error: bool = False


class ToolExecutor(Protocol):
    async def list_tools(self) -> list[ToolSpec]: ...
    async def call(self, name: str, arguments: dict[str, Any]) -> ToolOutcome: ...


@dataclass(frozen=True)
class ToolCallRecord:
    """A tool call the model asked for and what it returned."""

    id: str
    name: str
    arguments: dict[str, Any]
    result: str
    is_error: bool


@dataclass(frozen=True)
class ModelCalled:
    model: str
    usage: TokenUsage
    latency_ms: float
    # The reply asked for no tools: the turn's TurnDone comes next, with nothing between.
    final: bool = False


@dataclass(frozen=True)
class StepDone:
    """One model reply that asked for tools, with the tools' results."""

    assistant: ChatMessage
    results: list[ChatMessage]
    calls: list[ToolCallRecord]


@dataclass(frozen=True)
class TurnDone:
    text: str
    calls: list[ToolCallRecord]
    step_limit_hit: bool


LoopEvent = TextDelta | ModelCalled | ToolCallRecord | StepDone | TurnDone


def system_prompt(base_id: str) -> str:
    about = (
        f"This conversation is about the base {base_id}: pass it as base_id to the tools "
        "unless the user names another of their bases."
        if base_id
        else "No base was chosen for this conversation; ask the user which base they mean "
        "if a tool needs a base_id."
    )
    return (
        "You are the tablemesh assistant. You help a small team understand and work with "
        f"their Airtable-style tables. {about} You may read or change data only through the "
        "tools you are given, and you see only the user's own organisation's data: never "
        "invent records, fields or figures; if a tool fails, say what failed. Answer "
        "concisely, with the figures the tools returned."
    )


def step_limit_message(max_steps: int) -> str:
    return (
        f"I stopped because I reached the step limit of {max_steps} model calls for one "
        "message before finishing. Ask again with a narrower question, or continue this "
        "conversation to let me go on."
    )


async def _nothing(conversation: list[ChatMessage], specs: list[ToolSpec]) -> None:
    return None


def _with_unique_ids(calls: tuple[ToolRequest, ...], step: int) -> tuple[ToolRequest, ...]:
    """Some servers send no (or repeated) call ids; every call needs its own to be answered."""
    seen: set[str] = set()
    unique = []
    for index, call in enumerate(calls):
        if not call.id or call.id in seen:
            call = dataclasses.replace(call, id=f"call_{step}_{index}")
        seen.add(call.id)
        unique.append(call)
    return tuple(unique)


class ChatLoop:
    def __init__(
        self,
        provider: ModelProvider,
        tools: ToolExecutor,
        max_steps: int,
        before_model_call: Callable[
            [list[ChatMessage], list[ToolSpec]], Awaitable[None]
        ] = _nothing,
    ) -> None:
        self.provider = provider
        self.tools = tools
        self.max_steps = max_steps
        self.before_model_call = before_model_call

    async def _ask(
        self, model: str, conversation: list[ChatMessage], specs: list[ToolSpec], stream: bool
    ) -> AsyncIterator[TextDelta | ModelReply]:
        if not stream:
            yield await self.provider.complete(model, conversation, specs)
            return
        async for event in self.provider.stream(model, conversation, specs):
            yield event

    async def _run_tool(self, request: ToolRequest, known: set[str], index: int) -> ToolOutcome:
        if index >= MAX_TOOL_CALLS_PER_STEP:
            return ToolOutcome(
                f"not run: at most {MAX_TOOL_CALLS_PER_STEP} tool calls per step", True
            )
        if request.name not in known:
            return ToolOutcome(
                f"unknown tool {request.name!r}; the tools are: {', '.join(sorted(known))}", True
            )
        if request.arguments is None:
            return ToolOutcome("the arguments must be a JSON object", True)
        if request.error:
            return ToolOutcome(
                f"not run: the arguments do not match the tool's schema: {request.error}", True
            )
        outcome = await self.tools.call(request.name, request.arguments)
        if len(outcome.text) > MAX_RESULT_CHARS:
            cut = outcome.text[:MAX_RESULT_CHARS] + "\n[result cut: too long]"
            outcome = ToolOutcome(cut, outcome.is_error)
        return outcome

    async def run(
        self,
        model: str,
        messages: list[ChatMessage],
        *,
        stream: bool = False,
        specs: list[ToolSpec] | None = None,
    ) -> AsyncIterator[LoopEvent]:
        """The turn's events; `specs` are the tools to offer when the caller has them."""
        if specs is None:
            specs = await self.tools.list_tools()
        known = {spec.name for spec in specs}
        conversation = list(messages)
        every_call: list[ToolCallRecord] = []
        for step in range(self.max_steps):
            await self.before_model_call(conversation, specs)
            started = time.perf_counter()
            reply = ModelReply("")
            async for event in self._ask(model, conversation, specs, stream):
                if isinstance(event, TextDelta):
                    yield event
                else:
                    reply = event
            latency_ms = (time.perf_counter() - started) * 1000
            final = not reply.tool_calls
            yield ModelCalled(reply.model or model, reply.usage, latency_ms, final)
            if final:
                yield TurnDone(reply.text, every_call, False)
                return
            requests = _with_unique_ids(reply.tool_calls, step)
            assistant = ChatMessage("assistant", reply.text, requests)
            results: list[ChatMessage] = []
            records: list[ToolCallRecord] = []
            for index, request in enumerate(requests):
                outcome = await self._run_tool(request, known, index)
                record = ToolCallRecord(
                    request.id,
                    request.name,
                    request.arguments if request.arguments is not None else {},
                    outcome.text,
                    outcome.is_error,
                )
                records.append(record)
                yield record
                results.append(
                    ChatMessage("tool", outcome.text, tool_call_id=request.id, name=request.name)
                )
            every_call.extend(records)
            conversation += [assistant, *results]
            yield StepDone(assistant, results, records)
        yield TurnDone(step_limit_message(self.max_steps), every_call, True)
