"""Wires the saga service together: log, participants, engine, orchestrator, API, events."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime.clients import MeshClients
from services.runtime.config import Settings
from services.runtime.subscriptions import Subscription
from services.saga import events
from services.saga.definitions import SagaDef
from services.saga.domain import Sagas
from services.saga.engine import Engine, Policy
from services.saga.integration import AIRTABLE_INTEGRATION
from services.saga.onboarding import USER_ONBOARDING
from services.saga.orchestrator import Orchestrator, new_owner
from services.saga.participants import Participants
from services.saga.store import SagaStore

SAGA_TYPES: dict[str, SagaDef] = {d.name: d for d in (USER_ONBOARDING, AIRTABLE_INTEGRATION)}


@dataclass(frozen=True)
class SagaApp:
    sagas: Sagas
    orchestrator: Orchestrator
    events: Subscription


def build(
    db: AsyncEngine,
    redis: Redis,
    clients: MeshClients,
    cfg: Settings,
    types: dict[str, SagaDef] | None = None,
) -> SagaApp:
    store = SagaStore(db)
    participants = Participants(
        clients, cfg.service_secret.get_secret_value(), cfg.saga_call_timeout
    )
    policy = Policy(
        step_attempts=cfg.saga_step_attempts,
        compensation_attempts=cfg.saga_compensation_attempts,
        base_delay=cfg.saga_retry_delay,
        max_delay=max(cfg.saga_retry_delay, 5.0),
    )
    owner = new_owner()
    engine = Engine(store, participants, types or SAGA_TYPES, owner, policy)
    orchestrator = Orchestrator(engine, store, cfg.saga_lease_seconds, cfg.saga_poll_interval)
    sagas = Sagas(store, orchestrator, types or SAGA_TYPES)
    return SagaApp(sagas, orchestrator, events.subscription(redis, sagas, owner))
