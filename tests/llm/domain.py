"""The llm domain built on the real test database, as main.build builds it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from services.llm.accounting import AccountingStore
from services.llm.budgets import Budgets
from services.llm.chat import Chat
from services.llm.loop import ToolExecutor
from services.llm.pricing import PriceTable
from services.llm.providers import provider_from_settings
from services.llm.sessions import Sessions
from services.llm.store import SessionStore
from services.runtime.config import Settings
from services.runtime.identity import Caller


@dataclass
class Llm:
    chat: Chat
    sessions: Sessions
    budgets: Budgets
    accounting: AccountingStore


def build_llm(engine: AsyncEngine, cfg: Settings, tools: ToolExecutor) -> Llm:
    store = SessionStore(engine)
    accounting = AccountingStore(engine)
    budgets = Budgets(accounting, store)
    chat = Chat(cfg, provider_from_settings(cfg), tools, store, accounting, budgets, PriceTable())
    return Llm(chat, Sessions(store), budgets, accounting)


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
