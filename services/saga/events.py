"""Starts user_onboarding for every `user.registered` on the "tablemesh:events" stream.

Only a registration (a new tenant's first admin) is onboarded. A person who accepted an
invitation (`"via": "invitation"`) joins a tenant that already has its workspaces and
bases; giving them a second default workspace and sample base would only clutter it, so
their event is acknowledged without a saga (their admin adds them to workspaces).

A consumer group delivers each event to one orchestrator process; it is acknowledged only
once its saga is durably in the log. Starting is idempotent by the event's outbox id (the
saga's request_id), so an event delivered twice (a crash before XACK, or a relay that
published it twice) starts one saga. Events left pending by a dead process are claimed
back with XAUTOCLAIM after a while.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from services.runtime import logs
from services.runtime.errors import DomainError
from services.saga.domain import Sagas

STREAM = "tablemesh:events"
GROUP = "saga"
# Pending events of a consumer silent this long (ms) are taken over. Handling one takes
# milliseconds and starting is idempotent, so a short wait is safe, and it bounds how
# long a crashed orchestrator's unstarted sagas wait (measured in bench/sagas.py).
CLAIM_IDLE_MS = 5_000
log = logs.get("saga.events")


def onboarding_input(payload: dict[str, Any]) -> dict[str, Any]:
    keys = ("user_id", "email", "first_name", "last_name", "role")
    return {k: payload[k] for k in keys if k in payload}


class EventConsumer:
    def __init__(self, redis: Redis, sagas: Sagas, consumer: str) -> None:
        self.redis = redis
        self.sagas = sagas
        self.consumer = consumer

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def handle(self, fields: dict[str, str]) -> bool:
        """True when the event may be acknowledged (handled, or not ours, or unusable)."""
        if fields.get("topic") != "user.registered":
            return True
        try:
            payload = json.loads(fields.get("payload", "{}"))
            event_id = fields["id"]
            tenant_id = str(payload["tenant_id"])
        except (KeyError, ValueError, TypeError):
            log.error("unusable user.registered event", fields=sorted(fields))
            return True
        if payload.get("via") == "invitation":
            return True  # joins an existing tenant: nothing to set up (see above)
        try:
            saga = await self.sagas.start_for(
                tenant_id, "user_onboarding", onboarding_input(payload), f"event:{event_id}"
            )
        except DomainError as exc:
            log.error("user.registered event rejected", event_id=event_id, error=exc.message)
            return True
        log.info("onboarding started", event_id=event_id, saga_id=saga.id)
        return True

    async def _process(self, entries: list[tuple[str, dict[str, str]]]) -> None:
        for entry_id, fields in entries:
            if await self.handle(fields):
                await self.redis.xack(STREAM, GROUP, entry_id)

    async def run(self) -> None:
        await self.ensure_group()
        while True:
            try:
                claimed: Any = await self.redis.xautoclaim(
                    STREAM, GROUP, self.consumer, CLAIM_IDLE_MS, "0-0", count=50
                )
                await self._process(claimed[1])
                reply: Any = await self.redis.xreadgroup(
                    GROUP, self.consumer, {STREAM: ">"}, count=50, block=1000
                )
                for _, entries in reply or []:
                    await self._process(entries)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis or PostgreSQL briefly away
                log.warning("event consumption failed; retrying", error=str(exc))
                await asyncio.sleep(1)
                if "NOGROUP" in str(exc):
                    await self.ensure_group()
