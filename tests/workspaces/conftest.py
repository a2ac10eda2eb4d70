"""The workspaces domain with a real permissions service: its servicer behind the mesh
interceptor on a gRPC socket, reached through the mesh client layer with signed tokens."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.permissions.v1 import permissions_service_pb2_grpc as perm_grpc

from services.permissions.domain import Permissions
from services.permissions.servicer import PermissionsServicer
from services.permissions.store import PermissionStore
from services.runtime.clients import MeshClients
from services.runtime.config import settings
from services.runtime.db import migrate
from services.runtime.identity import Caller, TokenVerifier, set_caller
from services.runtime.interceptors import MeshInterceptor
from services.workspaces.access import Access
from services.workspaces.domain import Workspaces
from services.workspaces.members import Bases, Members
from services.workspaces.store import WorkspaceStore

KID = "workspaces-test"
ADDR_VARIABLE = "TABLEMESH_PERMISSIONS_ADDR"
ActAs = Callable[..., Caller]


@pytest.fixture(scope="module")
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
async def permissions_address(
    database_url: str, engine: AsyncEngine, redis: Redis, signing_key: Ed25519PrivateKey
) -> AsyncIterator[str]:
    migrate("permissions", database_url)
    jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(signing_key.public_key()))
    jwks = {"keys": [{**jwk, "kid": KID, "alg": "EdDSA", "use": "sig"}]}

    async def source() -> dict[str, Any]:
        return jwks

    cfg = settings()
    verifier = TokenVerifier(source, redis, cfg.jwt_issuer, cfg.jwt_audience)
    server = grpc.aio.server(interceptors=[MeshInterceptor("permissions", verifier)])
    servicer = PermissionsServicer(Permissions(PermissionStore(engine)))
    perm_grpc.add_PermissionsServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    before = os.environ.get(ADDR_VARIABLE)
    os.environ[ADDR_VARIABLE] = f"127.0.0.1:{port}"
    yield os.environ[ADDR_VARIABLE]
    if before is None:
        os.environ.pop(ADDR_VARIABLE, None)
    else:
        os.environ[ADDR_VARIABLE] = before
    await server.stop(0)


@pytest.fixture
def act_as(signing_key: Ed25519PrivateKey) -> ActAs:
    """Makes the test's calls come from a caller with a real signed token."""
    cfg = settings()

    def make(role: str, tenant: str, user_id: str | None = None) -> Caller:
        now = int(time.time())
        subject = user_id or (role if role == "service" else str(uuid.uuid4()))
        token_id = str(uuid.uuid4())
        claims = {
            "sub": subject,
            "tenant_id": tenant,
            "role": role,
            "email": "x@example.com",
            "iat": now,
            "exp": now + 600,
            "jti": token_id,
            "iss": cfg.jwt_issuer,
            "aud": cfg.jwt_audience,
        }
        token = jwt.encode(claims, signing_key, algorithm="EdDSA", headers={"kid": KID})
        caller = Caller(subject, tenant, role, "x@example.com", token_id, now + 600, token)
        set_caller(caller)
        return caller

    return make


@pytest.fixture(scope="module")
async def clients(permissions_address: str) -> AsyncIterator[MeshClients]:
    mesh = MeshClients()
    yield mesh
    await mesh.close()


@pytest.fixture(scope="module")
async def workspaces(database_url: str, engine: AsyncEngine, clients: MeshClients) -> Workspaces:
    migrate("workspaces", database_url)
    return Workspaces(WorkspaceStore(engine), Access(clients))


@pytest.fixture(scope="module")
def members(workspaces: Workspaces) -> Members:
    return Members(workspaces)


@pytest.fixture(scope="module")
def bases(workspaces: Workspaces) -> Bases:
    return Bases(workspaces, workspaces.store)
