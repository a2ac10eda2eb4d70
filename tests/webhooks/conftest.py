"""Fixtures: the webhooks stores on real PostgreSQL, workers that deliver to a real HTTP
receiver on 127.0.0.1 (allowed through the operator's allow-list, as a test mesh does)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime.db import migrate
from services.webhooks import destinations, signing
from services.webhooks import model as m
from services.webhooks.delivery import Settings, Worker
from services.webhooks.endpoint_store import EndpointStore
from services.webhooks.message_store import MessageStore
from services.webhooks.sender import Sender
from services.webhooks.tables import endpoints, outbox

SEALER = signing.Sealer(os.urandom(32))
LOCAL = destinations.parse_allowed(["127.0.0.0/8"])


@pytest.fixture(scope="session")
def webhooks_schema(database_url: str) -> str:
    migrate("webhooks", database_url)
    return database_url


@dataclass
class Stores:
    endpoints: EndpointStore
    messages: MessageStore
    disabled: list[m.Endpoint] = field(default_factory=list)
    senders: list[Sender] = field(default_factory=list)

    async def endpoint(self, url: str, types: list[str] | None = None) -> tuple[m.Endpoint, str]:
        ep = m.Endpoint(
            id=str(uuid.uuid4()),
            tenant_id=str(uuid.uuid4()),
            url=url,
            event_types=types or ["record.created"],
            creator_user_id=str(uuid.uuid4()),
        )
        secret = signing.new_secret()
        return await self.endpoints.create(ep, SEALER.seal(ep.id, secret)), secret

    def worker(self, name: str = "w1", delays: list[float] | None = None, **kw: float) -> Worker:
        sender = Sender(LOCAL, kw.get("timeout", 5.0), 64)
        self.senders.append(sender)
        cfg = Settings(
            delays=delays if delays is not None else [0, 0, 0, 0],
            timeout=kw.get("timeout", 5.0),
            lease_seconds=kw.get("lease", 5.0),
            disable_after=timedelta(seconds=kw.get("disable_after", 3600)),
            poll_interval=0.05,
        )

        async def disabled(ep: m.Endpoint) -> None:
            self.disabled.append(ep)

        return Worker(self.endpoints, self.messages, sender, SEALER, cfg, name, disabled)


@pytest.fixture
async def stores(webhooks_schema: str, engine: AsyncEngine) -> AsyncIterator[Stores]:
    """The stores; a test's endpoints (and so their messages) go afterwards, so a worker
    in the next test finds only that test's messages."""
    made = Stores(EndpointStore(engine), MessageStore(engine))
    yield made
    for sender in made.senders:
        await sender.close()
    async with engine.begin() as conn:
        await conn.execute(endpoints.delete())
        await conn.execute(outbox.delete())


EventMaker = Callable[..., object]
