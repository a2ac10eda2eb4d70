"""A scripted OpenAI-compatible Chat Completions server on a real socket.

Tests give it the replies the "model" makes, in order (a tool call, then a text, ...);
it answers POST /v1/chat/completions as OpenAI does, as JSON or, with `stream: true`, as
server-sent events (`data: {...}` chunks, usage in the last one, then `data: [DONE]`),
and records every request it received so tests can check what was sent to the model.

A reply can be held until the test lets it go (`hold`), and tells when its request has
arrived (`arrived`): a test can then act while a model call is certainly in progress,
without sleeping and hoping the timing works out.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.llm.serve import ServerThread


@dataclass
class Reply:
    """One scripted model reply: text, tool calls (name, arguments), usage, or an error."""

    text: str = ""
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    prompt_tokens: int = 120
    completion_tokens: int = 30
    status: int = 200
    # When given, the reply waits until the test sets it: a JSON reply before it is sent,
    # a stream after its first piece of text.
    hold: threading.Event | None = field(default=None, compare=False)
    # Set by the server once the request this reply answers has arrived.
    arrived: threading.Event = field(default_factory=threading.Event, compare=False)

    async def reached(self) -> None:
        """In the test: until the request this reply answers has arrived, so that the
        model call it belongs to is certainly in progress."""
        assert await asyncio.to_thread(self.arrived.wait, 10), "the model call never came"

    async def wait(self) -> None:
        """Until released. Polled: the test sets it from another thread (and event loop),
        and a client that goes away must be able to cancel the wait."""
        while self.hold is not None and not self.hold.is_set():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


class FakeOpenAI:
    def __init__(self, api_key: str = "test-key") -> None:
        self.api_key = api_key
        self.script: list[Reply] = []
        # Replaces the script when set: computes the reply from the request.
        self.responder: Callable[[dict[str, Any]], Reply] | None = None
        self.requests: list[dict[str, Any]] = []
        app = Starlette(routes=[Route("/v1/chat/completions", self._completions, methods=["POST"])])
        self._server = ServerThread(app)
        self.calls = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}/v1"

    def start(self) -> FakeOpenAI:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def then(self, *replies: Reply) -> FakeOpenAI:
        self.script.extend(replies)
        return self

    def reset(self) -> None:
        self.script.clear()
        self.requests.clear()
        self.responder = None

    def _next(self, body: dict[str, Any]) -> Reply:
        if self.responder is not None:
            return self.responder(body)
        if not self.script:
            return Reply(text="script exhausted", status=500)
        return self.script.pop(0)

    async def _completions(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            error = {"message": "Incorrect API key provided", "type": "invalid_request_error"}
            return JSONResponse({"error": error}, status_code=401)
        body = await request.json()
        self.requests.append(body)
        self.calls += 1
        reply = self._next(body)
        reply.arrived.set()
        if not body.get("stream"):
            await reply.wait()
        if reply.status != 200:
            error = {"message": reply.text or "scripted failure", "type": "server_error"}
            return JSONResponse({"error": error}, status_code=reply.status)
        call_id = f"chatcmpl-{self.calls}"
        if body.get("stream"):
            return StreamingResponse(
                self._chunks(body, reply, call_id), media_type="text/event-stream"
            )
        return JSONResponse(completion(body["model"], reply, call_id))

    async def _chunks(self, body: dict[str, Any], reply: Reply, call_id: str) -> AsyncIterator[str]:
        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            data = {
                "id": call_id,
                "object": "chat.completion.chunk",
                "created": 1700000000,
                "model": body["model"],
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            return f"data: {json.dumps(data)}\n\n"

        yield chunk({"role": "assistant", "content": ""})
        for start in range(0, len(reply.text), 6):
            yield chunk({"content": reply.text[start : start + 6]})
            if start == 0:
                await reply.wait()
        for index, (name, arguments) in enumerate(reply.tool_calls):
            raw = json.dumps(arguments)
            head = {"index": index, "id": f"call_{self.calls}_{index}", "type": "function"}
            yield chunk({"tool_calls": [{**head, "function": {"name": name, "arguments": ""}}]})
            half = len(raw) // 2
            for piece in (raw[:half], raw[half:]):
                yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        yield chunk({}, "tool_calls" if reply.tool_calls else "stop")
        if body.get("stream_options", {}).get("include_usage"):
            usage = {
                "id": call_id,
                "object": "chat.completion.chunk",
                "created": 1700000000,
                "model": body["model"],
                "choices": [],
                "usage": usage_of(reply),
            }
            yield f"data: {json.dumps(usage)}\n\n"
        yield "data: [DONE]\n\n"


def usage_of(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }


def completion(model: str, reply: Reply, call_id: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": f"{call_id}_call_{i}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
            for i, (name, arguments) in enumerate(reply.tool_calls)
        ]
    return {
        "id": call_id,
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
            }
        ],
        "usage": usage_of(reply),
    }
