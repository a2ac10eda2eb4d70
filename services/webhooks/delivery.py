"""Delivering messages, off the request path: each worker claims a due message, signs it
with the endpoint's secret(s), sends it, and records the attempt and what comes next
(delivered, retried on the schedule, or dead-lettered), until cancelled."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.runtime import clock, logs
from services.runtime.wakeups import Wakeups
from services.webhooks import model as m
from services.webhooks import schedule, signing
from services.webhooks.endpoint_store import EndpointStore
from services.webhooks.message_store import MessageStore, Result
from services.webhooks.sender import Outcome, Sender

log = logs.get("webhooks.delivery")
# Told when the mesh disabled an endpoint (its creator is notified).
Disabled = Callable[[m.Endpoint], Awaitable[None]]


def decide(msg: m.Message, outcome: Outcome, delays: list[float], now: datetime) -> Result:
    """The attempt's record and the message's next state, from what the attempt got."""
    attempt = m.Attempt(
        id=str(uuid.uuid4()),
        message_id=msg.id,
        number=msg.attempt_count + 1,
        response_status=outcome.status,
        succeeded=outcome.ok,
        error=outcome.error,
        latency_ms=outcome.latency_ms,
        response_body=outcome.body,
    )
    if outcome.ok:
        return Result(attempt, m.SUCCEEDED, None)
    if outcome.status == 410:
        return Result(attempt, m.FAILED, None, disable=m.GONE)
    asked = schedule.retry_after(outcome.retry_after, now)
    delay = schedule.next_delay(delays, msg.round_attempts + 1, outcome.status, asked)
    if delay is None:
        return Result(attempt, m.FAILED, None)
    return Result(attempt, m.PENDING, now + timedelta(seconds=delay))


@dataclass
class Settings:
    delays: list[float]
    timeout: float
    lease_seconds: float
    disable_after: timedelta
    poll_interval: float


class Worker:
    def __init__(
        self,
        endpoints: EndpointStore,
        messages: MessageStore,
        sender: Sender,
        sealer: signing.Sealer,
        cfg: Settings,
        owner: str,
        disabled: Disabled,
    ) -> None:
        self.endpoints = endpoints
        self.messages = messages
        self.sender = sender
        self.sealer = sealer
        self.cfg = cfg
        self.owner = owner
        self.disabled = disabled

    async def _secrets(self, endpoint_id: str, now: datetime) -> list[str]:
        sealed, previous, until = await self.endpoints.secrets(endpoint_id)
        found = [self.sealer.open(endpoint_id, sealed)]
        if previous is not None and until is not None and until > now:
            found.append(self.sealer.open(endpoint_id, previous))
        return found

    async def one(self) -> bool:
        """Delivers one due message; False when none was due."""
        # The lease covers the whole exchange and a margin: nobody else claims it meanwhile.
        msg = await self.messages.claim(self.owner, self.cfg.timeout + self.cfg.lease_seconds)
        if msg is None:
            return False
        ep = await self.endpoints.get(msg.tenant_id, msg.endpoint_id)
        if ep is None:  # deleted meanwhile: its messages go with it
            return True
        sent_at = clock.now()
        headers = signing.headers(await self._secrets(ep.id, sent_at), msg.id, sent_at, msg.payload)
        outcome = await self.sender.send(ep.url, headers, msg.payload)
        result = decide(msg, outcome, self.cfg.delays, clock.now())
        log.info(
            "webhook attempt",
            message_id=msg.id,
            endpoint_id=ep.id,
            attempt=result.attempt.number,
            status=outcome.status,
            error=outcome.error,
            latency_ms=outcome.latency_ms,
            next=result.status,
        )
        off = await self.messages.finish(msg, self.owner, result, self.cfg.disable_after)
        if off is not None:
            log.warning("webhook endpoint disabled", endpoint_id=off.id, reason=off.disabled_reason)
            await self.disabled(off)
        return True

    async def run(self, wake: Wakeups) -> None:
        """Delivers until cancelled: at each hint (a message made in this process, or the
        process's poll), while messages are due; a worker that found one wakes another."""
        while True:
            try:
                if await self.one():
                    wake.set()
                    while await self.one():
                        pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - PostgreSQL briefly away
                log.warning("webhook delivery failed", error=str(exc), kind=type(exc).__name__)
            await wake.wait()
