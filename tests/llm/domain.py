"""The llm domain built on the real test database and Redis, as main.build builds it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.llm.accounting import AccountingStore
from services.llm.budgets import Budgets
from services.llm.chat import Chat
from services.llm.claims import SessionClaims
from services.llm.loop import ToolExecutor
from services.llm.pricing import PriceTable
from services.llm.providers import provider_from_settings
from services.llm.reservations import ReservationStore
from services.llm.sessions import Sessions
from services.llm.store import SessionStore
from services.runtime.config import Settings
from services.runtime.identity import Caller
from tests.llm.fake_openai import FakeOpenAI


@dataclass
class Llm:
    chat: Chat
    sessions: Sessions
    budgets: Budgets
    accounting: AccountingStore


def build_llm(engine: AsyncEngine, redis: Redis, cfg: Settings, tools: ToolExecutor) -> Llm:
    store = SessionStore(engine)
    accounting = AccountingStore(engine)
    budgets = Budgets(accounting, store, ReservationStore(engine))
    provider = provider_from_settings(cfg)
    claims = SessionClaims(redis)
    chat = Chat(cfg, provider, tools, store, accounting, budgets, PriceTable(), claims)
    return Llm(chat, Sessions(store), budgets, accounting)


def settings_for(fake: FakeOpenAI, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "llm_provider": "openai",
        "llm_base_url": fake.url,
        "llm_api_key": "test-key",
        "llm_model": "gpt-4o-mini",
        "llm_max_steps": 4,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


async def count(engine: AsyncEngine, table: sa.Table, tenant_id: str) -> int:
    query = sa.select(sa.func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


def caller(tenant_id: str | None = None, role: str = "member") -> Caller:
    return Caller(
        user_id=str(uuid.uuid4()),
        tenant_id=tenant_id or str(uuid.uuid4()),
        role=role,
        email="someone@example.com",
        token_id=str(uuid.uuid4()),
        expires_at=2**31,
        token="unused",
    )
