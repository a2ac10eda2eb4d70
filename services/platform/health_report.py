"""The mesh's health as GetMeshHealth answers it: every service and every dependency.

The answer is public, so one report is shared for a second by every caller: a flood of
health requests makes one round of checks a second, not one per request.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis

from services.platform.dependencies import check_dependencies
from services.platform.mesh_health import Answer, check_all
from services.runtime import clock
from services.runtime.clients import MeshClients
from services.runtime.registry import ServiceSpec

REUSE_SECONDS = 1.0


@dataclass(frozen=True)
class Report:
    services: list[Answer]
    dependencies: list[Answer]
    # When the checks ran: monotonic (to know when to check again) and wall-clock time.
    checked_at: float
    checked_time: datetime

    @property
    def healthy(self) -> bool:
        return all(a.status == "SERVING" for a in [*self.services, *self.dependencies])


class HealthReporter:
    def __init__(
        self,
        clients: MeshClients,
        redis: Redis,
        database_url: str | None,
        services: tuple[ServiceSpec, ...],
    ) -> None:
        self._clients = clients
        self._services = services
        self._redis = redis
        self._database_url = database_url
        self._last: Report | None = None
        self._lock = asyncio.Lock()

    async def report(self) -> Report:
        async with self._lock:
            last = self._last
            if last is None or time.monotonic() - last.checked_at > REUSE_SECONDS:
                services, dependencies = await asyncio.gather(
                    check_all(self._clients, self._services),
                    check_dependencies(self._database_url, self._redis),
                )
                last = self._last = Report(services, dependencies, time.monotonic(), clock.now())
            return last
