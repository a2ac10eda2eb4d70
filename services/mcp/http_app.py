"""MCP over streamable HTTP at /mcp, served by uvicorn in the gRPC server's own event loop.

Every request must carry `Authorization: Bearer <access token>`, verified like a gRPC call
(signature, expiry, logout denylist); anything else is 401 before the MCP SDK sees it.
Stateless mode: each POST stands alone, so the worker processes sharing the port
(SO_REUSEPORT) can each answer any request of a client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_REQUEST
from starlette.types import Receive, Scope, Send

from services.runtime import logs
from services.runtime.errors import DomainError
from services.runtime.identity import Caller, TokenVerifier
from services.runtime.interceptors import bearer_token

PATH = "/mcp"
CALLER_KEY = "tablemesh.caller"
log = logs.get("mcp-http")


async def _reply(send: Send, status: int, code: int, message: str, **headers: str) -> None:
    body = json.dumps({"code": code, "message": message, "details": []}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class BearerAuth:
    """The ASGI app: 401 without a valid token, 404 off /mcp, else the MCP SDK's handler."""

    def __init__(self, manager: StreamableHTTPSessionManager, verifier: TokenVerifier) -> None:
        self._manager = manager
        self._verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"].rstrip("/") != PATH:
            await _reply(send, 404, 5, f"no MCP endpoint at {scope['path']}; use {PATH}")
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        token = bearer_token(headers)
        challenge = 'Bearer realm="tablemesh"'
        if token is None:
            await _reply(
                send, 401, 16, "an access token is required", **{"www-authenticate": challenge}
            )
            return
        try:
            caller = await self._verifier.verify(token)
        except DomainError as exc:
            error = f'{challenge}, error="invalid_token"'
            await _reply(send, 401, 16, exc.message, **{"www-authenticate": error})
            return
        scope[CALLER_KEY] = caller
        await self._manager.handle_request(scope, receive, send)


async def caller_of_request(ctx: ServerRequestContext[Any, Any]) -> Caller:
    """The caller BearerAuth verified for the HTTP request this MCP message came in."""
    request = ctx.request
    caller = getattr(request, "scope", {}).get(CALLER_KEY) if request is not None else None
    if not isinstance(caller, Caller):
        raise MCPError(INVALID_REQUEST, "an access token is required")
    return caller


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handling: the gRPC runtime owns SIGTERM and stops us."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    """A listening socket shared by the service's worker processes."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


class McpHttp:
    """Runs the endpoint as a task of the current event loop until stop() is awaited."""

    def __init__(self, server: Server[Any], verifier: TokenVerifier, grace: float) -> None:
        self._manager = StreamableHTTPSessionManager(app=server, stateless=True)
        app = BearerAuth(self._manager, verifier)
        config = uvicorn.Config(
            app,
            lifespan="off",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=max(1, int(grace)),
        )
        self._server = _EmbeddedServer(config)
        self._task: asyncio.Task[None] | None = None

    def start(self, host: str, port: int) -> None:
        # The SDK and uvicorn log every request at INFO in plain text; our JSON lines suffice.
        for name in ("mcp", "uvicorn"):
            logging.getLogger(name).setLevel(logging.WARNING)
        sock = bind(host, port)  # bind now: a taken port fails the start, loudly
        self._task = asyncio.get_running_loop().create_task(self._run(sock))
        log.info("mcp http listening", port=port, path=PATH)

    async def _run(self, sock: socket.socket) -> None:
        async with self._manager.run():
            await self._server.serve(sockets=[sock])

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
