"""A scripted Gemini REST server on a real socket: generateContent and
streamGenerateContent?alt=sse, with functionCall parts and usageMetadata, checking the
x-goog-api-key header and recording every request body."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.llm.fake_openai import Reply
from tests.llm.serve import ServerThread


def response_of(model: str, reply: Reply, text: str | None = None, usage: bool = True) -> Any:
    parts: list[dict[str, Any]] = []
    body_text = reply.text if text is None else text
    if body_text:
        parts.append({"text": body_text})
    if text is None:
        parts += [{"functionCall": {"name": n, "args": a}} for n, a in reply.tool_calls]
    data: dict[str, Any] = {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}],
        "modelVersion": model,
    }
    if usage:
        data["usageMetadata"] = {
            "promptTokenCount": reply.prompt_tokens,
            "candidatesTokenCount": reply.completion_tokens,
            "totalTokenCount": reply.prompt_tokens + reply.completion_tokens,
        }
    return data


class FakeGemini:
    def __init__(self, api_key: str = "gemini-key") -> None:
        self.api_key = api_key
        self.script: list[Reply] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        app = Starlette(routes=[Route("/v1beta/models/{call}", self._generate, methods=["POST"])])
        self._server = ServerThread(app)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    def start(self) -> FakeGemini:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def then(self, *replies: Reply) -> FakeGemini:
        self.script.extend(replies)
        return self

    async def _generate(self, request: Request) -> Response:
        if request.headers.get("x-goog-api-key") != self.api_key:
            error = {"code": 403, "message": "API key not valid", "status": "PERMISSION_DENIED"}
            return JSONResponse({"error": error}, status_code=403)
        model, _, method = request.path_params["call"].partition(":")
        body = await request.json()
        self.requests.append((method, body))
        reply = self.script.pop(0) if self.script else Reply("script exhausted", status=500)
        if reply.status != 200:
            return JSONResponse({"error": {"message": reply.text}}, status_code=reply.status)
        if method == "generateContent":
            return JSONResponse(response_of(model, reply))
        if method == "streamGenerateContent" and request.query_params.get("alt") == "sse":
            return StreamingResponse(self._events(model, reply), media_type="text/event-stream")
        return JSONResponse({"error": {"message": f"unknown method {method}"}}, status_code=404)

    async def _events(self, model: str, reply: Reply) -> AsyncIterator[str]:
        pieces = [reply.text[i : i + 6] for i in range(0, len(reply.text), 6)]
        for piece in pieces:
            yield f"data: {json.dumps(response_of(model, reply, piece, usage=False))}\r\n\r\n"
        if reply.tool_calls:
            calls = response_of(model, Reply("", reply.tool_calls), usage=False)
            yield f"data: {json.dumps(calls)}\r\n\r\n"
        final = response_of(model, reply, "", usage=True)
        yield f"data: {json.dumps(final)}\r\n\r\n"
