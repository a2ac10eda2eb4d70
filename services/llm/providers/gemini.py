"""Gemini's native REST API: generateContent and streamGenerateContent (SSE), tools as
functionDeclarations, calls as functionCall parts, results as functionResponse parts."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx

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

NAME = "gemini"
DEFAULT_URL = "https://generativelanguage.googleapis.com"
# The OpenAPI subset Gemini's `parameters` accepts; other JSON-schema keywords
# (additionalProperties, $schema, ...) are dropped rather than rejected by the API.
SCHEMA_KEYS = {
    "type",
    "format",
    "description",
    "nullable",
    "enum",
    "items",
    "properties",
    "required",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "anyOf",
    "title",
    "minLength",
    "maxLength",
    "pattern",
}


def gemini_schema(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in SCHEMA_KEYS:
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: gemini_schema(sub) for name, sub in value.items()}
        elif key == "items":
            out[key] = gemini_schema(value)
        elif key == "anyOf" and isinstance(value, list):
            out[key] = [gemini_schema(sub) for sub in value]
        elif key == "type" and isinstance(value, list):
            # ["string", "null"] -> string, nullable
            kinds = [v for v in value if v != "null"]
            out["type"] = kinds[0] if kinds else "string"
            if "null" in value:
                out["nullable"] = True
        else:
            out[key] = value
    return out


def encode_contents(messages: list[ChatMessage]) -> tuple[dict[str, Any] | None, list[Any]]:
    """The system instruction and the contents; consecutive tool results share one turn."""
    system = None
    contents: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            system = {"parts": [{"text": message.content}]}
            continue
        if message.role == "tool":
            part = {
                "functionResponse": {
                    "name": message.name,
                    "response": {"content": message.content},
                }
            }
            if contents and contents[-1].get("_tool"):
                contents[-1]["parts"].append(part)
            else:
                contents.append({"role": "user", "parts": [part], "_tool": True})
            continue
        parts: list[dict[str, Any]] = [{"text": message.content}] if message.content else []
        for call in message.tool_calls:
            call_part: dict[str, Any] = {
                "functionCall": {"name": call.name, "args": call.arguments or {}}
            }
            if call.signature:
                call_part["thoughtSignature"] = call.signature
            parts.append(call_part)
        role = "model" if message.role == "assistant" else "user"
        contents.append({"role": role, "parts": parts or [{"text": ""}]})
    for content in contents:
        content.pop("_tool", None)
    return system, contents


class Gemini:
    name = NAME

    def __init__(self, base_url: str | None, api_key: str | None, timeout: float) -> None:
        root = (base_url or DEFAULT_URL).rstrip("/")
        if not root.endswith(("/v1beta", "/v1")):
            root += "/v1beta"
        headers = {"x-goog-api-key": api_key} if api_key else {}
        self._http = httpx.AsyncClient(base_url=root, headers=headers, timeout=timeout)

    def _body(self, messages: list[ChatMessage], tools: list[ToolSpec]) -> dict[str, Any]:
        system, contents = encode_contents(messages)
        body: dict[str, Any] = {"contents": contents}
        if system:
            body["systemInstruction"] = system
        if tools:
            declarations = [
                {
                    "name": t.name,
                    "description": t.description,
                    "parameters": gemini_schema(t.parameters),
                }
                for t in tools
            ]
            body["tools"] = [{"functionDeclarations": declarations}]
        return body

    @staticmethod
    def _parse(data: dict[str, Any]) -> tuple[str, list[ToolRequest], TokenUsage | None]:
        text: list[str] = []
        calls: list[ToolRequest] = []
        for candidate in data.get("candidates", [])[:1]:
            for part in candidate.get("content", {}).get("parts", []):
                if "text" in part and not part.get("thought"):
                    text.append(str(part["text"]))
                if "functionCall" in part:
                    call = part["functionCall"]
                    args = call.get("args", {})
                    calls.append(
                        ToolRequest(
                            str(call.get("id") or f"call_{uuid.uuid4().hex[:12]}"),
                            str(call.get("name", "")),
                            args if isinstance(args, dict) else None,
                            json.dumps(args),
                            str(part.get("thoughtSignature", "")),
                        )
                    )
        meta = data.get("usageMetadata")
        usage = None
        if meta:
            usage = TokenUsage(
                int(meta.get("promptTokenCount", 0)),
                int(meta.get("candidatesTokenCount", 0)) + int(meta.get("thoughtsTokenCount", 0)),
            )
        return "".join(text), calls, usage

    async def complete(
        self, model: str, messages: list[ChatMessage], tools: list[ToolSpec]
    ) -> ModelReply:
        path = f"/models/{model.removeprefix('models/')}:generateContent"
        try:
            response = await self._http.post(path, json=self._body(messages, tools))
        except httpx.HTTPError as exc:
            raise unreachable(NAME, exc) from exc
        if response.status_code != 200:
            raise provider_error(NAME, response.status_code, response.text)
        data = response.json()
        text, calls, usage = self._parse(data)
        return ModelReply(
            text, tuple(calls), usage or TokenUsage(), data.get("modelVersion", model)
        )

    async def stream(
        self, model: str, messages: list[ChatMessage], tools: list[ToolSpec]
    ) -> AsyncIterator[TextDelta | ModelReply]:
        path = f"/models/{model.removeprefix('models/')}:streamGenerateContent"
        text: list[str] = []
        calls: list[ToolRequest] = []
        usage = TokenUsage()
        answered_by = model
        try:
            async with self._http.stream(
                "POST", path, params={"alt": "sse"}, json=self._body(messages, tools)
            ) as response:
                if response.status_code != 200:
                    raise provider_error(
                        NAME, response.status_code, (await response.aread()).decode()
                    )
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = json.loads(line[5:].strip())
                    answered_by = data.get("modelVersion", answered_by)
                    piece, more_calls, chunk_usage = self._parse(data)
                    calls.extend(more_calls)
                    usage = chunk_usage or usage
                    if piece:
                        text.append(piece)
                        yield TextDelta(piece)
        except httpx.HTTPError as exc:
            raise unreachable(NAME, exc) from exc
        yield ModelReply("".join(text), tuple(calls), usage, answered_by)

    async def close(self) -> None:
        await self._http.aclose()
