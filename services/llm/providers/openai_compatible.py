"""Any OpenAI-compatible Chat Completions endpoint (OpenAI, Ollama, vLLM, llama.cpp server,
Gemini's compatible endpoint) through the official `openai` SDK: tools as `tools`, calls
as `tool_calls`, streaming as server-sent events with usage in the last chunk."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, cast

import openai

from services.llm.providers.base import (
    ChatMessage,
    ModelReply,
    TextDelta,
    TokenUsage,
    ToolRequest,
    ToolSpec,
    provider_error,
    unreachable,
)

NAME = "openai"


def encode_message(message: ChatMessage) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    encoded: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        encoded["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {
                    "name": call.name,
                    "arguments": json.dumps(call.arguments)
                    if call.arguments is not None
                    else call.raw_arguments,
                },
            }
            for call in message.tool_calls
        ]
    return encoded


def encode_tool(tool: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters or {"type": "object", "properties": {}},
        },
    }


def decode_call(call_id: str, name: str, raw: str) -> ToolRequest:
    try:
        arguments = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError:
        arguments = None
    if not isinstance(arguments, dict):
        arguments = None
    return ToolRequest(call_id, name, arguments, raw)


def _usage(usage: Any) -> TokenUsage:
    if usage is None:
        return TokenUsage()
    return TokenUsage(int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0))


class OpenAICompatible:
    name = NAME

    def __init__(self, base_url: str | None, api_key: str | None, timeout: float) -> None:
        # Local servers (Ollama, llama.cpp) want no key, but the SDK insists on one.
        self._client = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=1
        )

    def _request(
        self, model: str, messages: list[ChatMessage], tools: list[ToolSpec]
    ) -> dict[str, Any]:
        # The messages and tools are plain JSON already: passed as extra_body, the SDK sends
        # them as they are instead of walking every message and every tool's JSON schema
        # through its type transform on each call (measured: the tools were about 12% of
        # the orchestrator's CPU per chat turn, the messages 8% after that). The body's
        # `messages` key is the one from extra_body (it takes precedence over the empty
        # list the signature requires).
        body: dict[str, Any] = {"messages": [encode_message(m) for m in messages]}
        if tools:
            body["tools"] = [encode_tool(t) for t in tools]
        return {"model": model, "messages": [], "extra_body": body}

    async def complete(
        self, model: str, messages: list[ChatMessage], tools: list[ToolSpec]
    ) -> ModelReply:
        try:
            reply = await self._client.chat.completions.create(
                **cast(Any, self._request(model, messages, tools))
            )
        except openai.APIStatusError as exc:
            raise provider_error(NAME, exc.status_code, str(exc.message)) from exc
        except openai.OpenAIError as exc:
            raise unreachable(NAME, exc) from exc
        if not reply.choices:
            raise provider_error(NAME, 502, "the reply had no choices")
        message = reply.choices[0].message
        calls = tuple(
            decode_call(c.id, c.function.name, c.function.arguments or "")
            for c in message.tool_calls or ()
            if c.type == "function"
        )
        return ModelReply(message.content or "", calls, _usage(reply.usage), reply.model or model)

    async def stream(
        self, model: str, messages: list[ChatMessage], tools: list[ToolSpec]
    ) -> AsyncIterator[TextDelta | ModelReply]:
        request = self._request(model, messages, tools)
        text: list[str] = []
        # Tool calls arrive in fragments keyed by index: id and name first, then arguments.
        calls: dict[int, dict[str, str]] = {}
        usage = TokenUsage()
        answered_by = model
        try:
            chunks = await self._client.chat.completions.create(
                **cast(Any, request), stream=True, stream_options={"include_usage": True}
            )
            async for chunk in chunks:
                answered_by = chunk.model or answered_by
                if chunk.usage is not None:
                    usage = _usage(chunk.usage)
                for choice in chunk.choices:
                    delta = choice.delta
                    if delta.content:
                        text.append(delta.content)
                        yield TextDelta(delta.content)
                    for fragment in delta.tool_calls or ():
                        call = calls.setdefault(fragment.index, {"id": "", "name": "", "args": ""})
                        call["id"] = fragment.id or call["id"]
                        if fragment.function is not None:
                            call["name"] += fragment.function.name or ""
                            call["args"] += fragment.function.arguments or ""
        except openai.APIStatusError as exc:
            raise provider_error(NAME, exc.status_code, str(exc.message)) from exc
        except openai.OpenAIError as exc:
            raise unreachable(NAME, exc) from exc
        requests = tuple(
            decode_call(c["id"] or f"call_{i}", c["name"], c["args"])
            for i, c in sorted(calls.items())
        )
        yield ModelReply("".join(text), requests, usage, answered_by)

    async def close(self) -> None:
        await self._client.close()
