"""Runs the llm service: `python -m services.llm.main`."""

from __future__ import annotations

# First, before anything imports structlog (see the module).
import services.runtime.no_rich  # noqa: F401

# isort: split
import grpc
from tablemesh.llm.v1 import llm_service_pb2_grpc as pb_grpc

from services.llm.accounting import AccountingStore
from services.llm.budgets import Budgets
from services.llm.chat import Chat
from services.llm.claims import SessionClaims
from services.llm.loop import ToolExecutor
from services.llm.pricing import PriceTable, parse_prices
from services.llm.providers import missing_setting, provider_from_settings
from services.llm.reservations import ReservationStore
from services.llm.servicer import LlmServicer
from services.llm.sessions import Sessions
from services.llm.store import SessionStore
from services.llm.tables import outbox
from services.llm.tools import McpTools
from services.runtime import events, logs
from services.runtime.server import Deps, run

log = logs.get("llm")


def build(deps: Deps, tools: ToolExecutor) -> LlmServicer:
    """The servicer with its domain, on the given tool executor."""
    try:
        prices = PriceTable(parse_prices(deps.settings.llm_prices))
    except ValueError as exc:
        raise SystemExit(f"llm: {exc}") from exc
    provider = provider_from_settings(deps.settings, deps.clients)
    if provider is None:
        log.warning("no model provider", fix=missing_setting(deps.settings))
    else:
        log.info("model provider", provider=provider.name, model=deps.settings.llm_model)
        deps.on_stop.append(provider.close)
    sessions = SessionStore(deps.db)
    accounting = AccountingStore(deps.db)
    budgets = Budgets(accounting, sessions, ReservationStore(deps.db))
    claims = SessionClaims(deps.redis)
    chat = Chat(deps.settings, provider, tools, sessions, accounting, budgets, prices, claims)
    return LlmServicer(chat, Sessions(sessions), budgets)


def register(server: grpc.aio.Server, deps: Deps) -> None:
    servicer = build(deps, McpTools(deps.clients))
    pb_grpc.add_LlmServiceServicer_to_server(servicer, server)
    # Publishes the chat.turn.completed events the turns left in the outbox.
    deps.run_in_background(events.relay(deps.db, deps.redis, outbox))


def main() -> None:
    run("llm", register)


if __name__ == "__main__":
    main()
