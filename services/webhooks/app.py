"""Wires the webhooks service: the API, the bus subscription that makes messages, and the
delivery workers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime.config import Settings
from services.runtime.secret_keys import webhook_secret_encryption_key
from services.runtime.subscriptions import Subscription, consumer_name
from services.runtime.wakeups import Wakeups
from services.webhooks import delivery, destinations, schedule, signing
from services.webhooks.delivery import Disabled, Worker
from services.webhooks.domain import Webhooks
from services.webhooks.endpoint_store import EndpointStore
from services.webhooks.fanout import GROUP, FanOut
from services.webhooks.message_store import MessageStore
from services.webhooks.sender import Sender


@dataclass
class WebhooksApp:
    webhooks: Webhooks
    workers: list[Worker]
    subscription: Subscription
    sender: Sender
    wake: Wakeups
    poll_interval: float

    async def run(self) -> None:
        """Everything besides the API, until cancelled."""
        try:
            await asyncio.gather(
                self.subscription.run(),
                self.wake.poll_forever(self.poll_interval),
                *(w.run(self.wake) for w in self.workers),
            )
        finally:
            await self.sender.close()


def delivery_settings(cfg: Settings) -> delivery.Settings:
    return delivery.Settings(
        delays=schedule.parse_delays(cfg.webhooks_retry_schedule),
        timeout=cfg.webhooks_timeout,
        lease_seconds=cfg.webhooks_lease_seconds,
        disable_after=timedelta(seconds=cfg.webhooks_disable_after_seconds),
        poll_interval=cfg.webhooks_poll_interval,
    )


def build(engine: AsyncEngine, redis: Redis, cfg: Settings, disabled: Disabled) -> WebhooksApp:
    wake = Wakeups(cfg.webhooks_concurrency)
    endpoints, messages = EndpointStore(engine), MessageStore(engine)
    sealer = signing.Sealer(webhook_secret_encryption_key(cfg.service_secret.get_secret_value()))
    allowed = destinations.parse_allowed(
        cfg.webhooks_allowed_destinations, cfg.webhooks_allowed_destinations_only
    )
    sender = Sender(allowed, cfg.webhooks_timeout, cfg.webhooks_response_max_bytes)
    owner = consumer_name("webhooks")
    settings = delivery_settings(cfg)
    workers = [
        Worker(endpoints, messages, sender, sealer, settings, f"{owner}-{i}", disabled)
        for i in range(cfg.webhooks_concurrency)
    ]
    subscription = Subscription(redis, GROUP, owner, FanOut(endpoints, messages, wake))
    overlap = timedelta(seconds=cfg.webhooks_secret_overlap_seconds)
    webhooks = Webhooks(endpoints, messages, sealer, allowed, overlap, wake)
    return WebhooksApp(webhooks, workers, subscription, sender, wake, settings.poll_interval)
