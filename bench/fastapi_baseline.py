"""The baseline: the original system's stack (FastAPI + uvicorn) doing the same read as
UsersService.GetUser: verify the JWT against the auth service's JWKS, check the denylist,
read the profile through the same store (in-process copies kept exact by Redis, the Redis
cache, PostgreSQL), check the tenant, JSON.

Run: uvicorn bench.fastapi_baseline:app --workers N (DATABASE_URL, REDIS_URL, and
BENCH_JWKS set to the JWKS JSON)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Header, HTTPException

from services.runtime.cache import create_redis
from services.runtime.db import create_engine
from services.runtime.errors import DomainError
from services.runtime.identity import TRACKED_PREFIXES, TokenVerifier
from services.runtime.tracked_cache import TrackedCache
from services.users.store import ProfileStore

redis = create_redis(os.environ["REDIS_URL"])
# The same in-process copies the mesh keeps, with the same invalidation feed.
tracked = TrackedCache(redis, TRACKED_PREFIXES)
store = ProfileStore(create_engine(os.environ["DATABASE_URL"]), redis, tracked)


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    feed = asyncio.create_task(tracked.run())
    yield
    feed.cancel()


app = FastAPI(lifespan=lifespan)
JWKS = json.loads(os.environ["BENCH_JWKS"])


async def _jwks() -> dict[str, Any]:
    return dict(JWKS)


verifier = TokenVerifier(_jwks, redis, "tablemesh-auth", "tablemesh", tracked)


@app.get("/api/v1/users/{user_id}")
async def get_user(user_id: str, authorization: str = Header("")) -> dict[str, Any]:
    try:
        caller = await verifier.verify(authorization.removeprefix("Bearer "))
    except DomainError as exc:
        raise HTTPException(401, exc.message) from exc
    profile = await store.get(user_id)
    if profile is None or profile.tenant_id != caller.tenant_id or profile.deleted_at:
        raise HTTPException(404, "user not found")
    return asdict(profile)
