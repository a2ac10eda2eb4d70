"""`tablemesh mcp-stdio`: the same tools over MCP stdio, for desktop clients.

The client starts this process and speaks JSON-RPC on its stdin/stdout. Who it acts as
comes from the environment:
- TABLEMESH_API_KEY: an API key (auth's CreateApiKey), exchanged through auth's
  ExchangeApiKey for a short-lived access token, and exchanged again before that expires;
- or TABLEMESH_ACCESS_TOKEN: an access token, used as it is until it expires.

Tools call the airtable service over gRPC with that token; the airtable service verifies it
and scopes every call to its tenant. By default the services are dialled at their registry
addresses (TABLEMESH_PORT_OFFSET applies); TABLEMESH_AUTH_ADDR and TABLEMESH_AIRTABLE_ADDR
may point both at the gateway (host:8000), which forwards native gRPC. Logs go to stderr:
stdout belongs to the protocol.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import Mapping
from typing import Any

import grpc
import jwt
import structlog
from mcp.server.context import ServerRequestContext
from mcp.server.stdio import stdio_server
from tablemesh.auth.v1 import auth_service_pb2, auth_service_pb2_grpc

from services.mcp.protocol import build_server
from services.mcp.tables import Tables
from services.mcp.tools import catalog
from services.runtime.clients import MeshClients
from services.runtime.identity import Caller

API_KEY_VAR = "TABLEMESH_API_KEY"
TOKEN_VAR = "TABLEMESH_ACCESS_TOKEN"
# Exchange the API key again when the token has less than this many seconds left.
REFRESH_MARGIN = 60


class StartupError(Exception):
    """Why the stdio server cannot start, worded for the person configuring the client."""


def caller_from_token(token: str) -> Caller:
    """Who the token names. Not verified here: the airtable service verifies every call."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise StartupError(f"{TOKEN_VAR} is not a JWT access token: {exc}") from exc
    return Caller(
        user_id=str(claims.get("sub", "")),
        tenant_id=str(claims.get("tenant_id", "")),
        role=str(claims.get("role", "")),
        email=str(claims.get("email", "")),
        token_id=str(claims.get("jti", "")),
        expires_at=int(claims.get("exp", 0)),
        token=token,
    )


class TokenSource:
    """The caller to act as, exchanging the API key again before its token expires."""

    def __init__(self, clients: MeshClients, api_key: str = "", token: str = "") -> None:
        self._clients = clients
        self._api_key = api_key
        self._caller = caller_from_token(token) if token else None

    @classmethod
    def from_env(cls, clients: MeshClients, env: Mapping[str, str]) -> TokenSource:
        api_key, token = env.get(API_KEY_VAR, "").strip(), env.get(TOKEN_VAR, "").strip()
        if not api_key and not token:
            raise StartupError(f"set {API_KEY_VAR} (an API key) or {TOKEN_VAR} (an access token)")
        return cls(clients, api_key=api_key, token="" if api_key else token)

    async def caller(self, ctx: ServerRequestContext[Any, Any] | None = None) -> Caller:
        expiring = self._caller is None or self._caller.expires_at - time.time() < REFRESH_MARGIN
        if self._api_key and expiring:
            stub = self._clients.stub(auth_service_pb2_grpc.AuthServiceStub, "auth")
            request = auth_service_pb2.ExchangeApiKeyRequest(api_key=self._api_key)
            try:
                reply = await stub.ExchangeApiKey(request, timeout=10)
            except grpc.aio.AioRpcError as exc:
                raise StartupError(f"{API_KEY_VAR} was refused: {exc.details()}") from exc
            self._caller = caller_from_token(reply.access_token)
        assert self._caller is not None
        return self._caller


def _log_to_stderr() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))


async def serve(env: Mapping[str, str]) -> None:
    clients = MeshClients()
    try:
        source = TokenSource.from_env(clients, env)
        caller = await source.caller()  # a bad key fails now, not at the first tool call
        print(f"tablemesh mcp-stdio: acting as {caller.email or caller.user_id}", file=sys.stderr)
        server = build_server(catalog(), Tables(clients), source.caller)
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
    finally:
        await clients.close()


def main(env: Mapping[str, str] | None = None) -> int:
    _log_to_stderr()
    try:
        asyncio.run(serve(os.environ if env is None else env))
    except StartupError as exc:
        print(f"tablemesh mcp-stdio: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0
