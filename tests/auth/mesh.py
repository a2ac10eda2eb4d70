"""The auth and users services in this process, on ports of their own (tests/ports.py).

Built by tests/inprocess.py the way runtime.server.serve builds them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from services.auth import main as auth_main
from services.users import main as users_main
from tests.inprocess import running_services
from tests.ports import offset

ENV = {
    "TABLEMESH_LOGIN_MAX_FAILURES": "3",
    "TABLEMESH_ARGON2_MEMORY_KIB": "64",
    "TABLEMESH_ARGON2_TIME_COST": "1",
}


@asynccontextmanager
async def running_mesh(database_url: str, redis_url: str) -> AsyncIterator[None]:
    services = (("auth", auth_main.register), ("users", users_main.register))
    async with running_services(
        services, database_url, redis_url, {**ENV, "TABLEMESH_PORT_OFFSET": str(offset("auth"))}
    ):
        yield
