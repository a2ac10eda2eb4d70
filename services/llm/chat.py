"""One chat turn, as plain Python: validate, find or start the session, check budgets,
run the tool loop, and account and persist every model call and step as it happens."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from services.llm.accounting import AccountingStore
from services.llm.budgets import Budgets, utc_now
from services.llm.loop import (
    ChatLoop,
    ModelCalled,
    StepDone,
    ToolCallRecord,
    ToolExecutor,
    TurnDone,
    system_prompt,
)
from services.llm.model import ModelCallRecord, Session, StoredMessage, Usage
from services.llm.pricing import PriceTable
from services.llm.providers import missing_setting
from services.llm.providers.base import ChatMessage, ModelProvider, TextDelta, ToolRequest
from services.llm.store import SessionStore
from services.runtime.config import Settings
from services.runtime.errors import FailedPrecondition, NotFound, Violations
from services.runtime.identity import Caller
from services.runtime.validation import check_uuid

MAX_MESSAGE_CHARS = 20_000
BASE_ID = re.compile(r"^app[A-Za-z0-9]{14}$")
MODEL_NAME = re.compile(r"^[A-Za-z0-9._:/-]{1,100}$")
# How many earlier messages of the session go to the model with each turn.
HISTORY_LIMIT = 40
TITLE_CHARS = 80


@dataclass(frozen=True)
class ChatRequest:
    message: str
    session_id: str = ""
    base_id: str = ""
    model: str = ""


@dataclass(frozen=True)
class ChatResult:
    session_id: str
    text: str
    tool_calls: list[ToolCallRecord]
    usage: Usage
    model: str


TurnEvent = TextDelta | ToolCallRecord | ChatResult


def validate(request: ChatRequest) -> None:
    v = Violations()
    if not request.message.strip():
        v.add("message", "is required")
    elif len(request.message) > MAX_MESSAGE_CHARS:
        v.add("message", f"must be at most {MAX_MESSAGE_CHARS} characters")
    if request.session_id:
        check_uuid(v, "session_id", request.session_id)
    if request.base_id and not BASE_ID.match(request.base_id):
        v.add("base_id", "must be 'app' followed by 14 letters or digits")
    if request.model and not MODEL_NAME.match(request.model):
        v.add("model", "must be 1 to 100 of the characters A-Z a-z 0-9 . _ : / -")
    v.raise_if_any()


def title_of(message: str) -> str:
    words = " ".join(message.split())
    return words if len(words) <= TITLE_CHARS else words[: TITLE_CHARS - 1] + "…"


def to_model_messages(stored: list[StoredMessage]) -> list[ChatMessage]:
    """Stored history as the model sees it, starting at a user message so that no tool
    result is cut from the call it answers."""
    while stored and stored[0].role != "user":
        stored = stored[1:]
    out: list[ChatMessage] = []
    for m in stored:
        if m.role == "tool":
            name = m.tool_calls[0]["name"] if m.tool_calls else ""
            out.append(ChatMessage("tool", m.content, tool_call_id=m.tool_call_id, name=name))
        elif m.role == "assistant":
            calls = tuple(
                ToolRequest(c["id"], c["name"], c.get("arguments") or {}) for c in m.tool_calls
            )
            out.append(ChatMessage("assistant", m.content, calls))
        else:
            out.append(ChatMessage("user", m.content))
    return out


def _stored(
    role: str, content: str, calls: list[ToolCallRecord], call_id: str = ""
) -> StoredMessage:
    return StoredMessage(str(uuid.uuid4()), role, content, [asdict(c) for c in calls], call_id)


class Chat:
    def __init__(
        self,
        cfg: Settings,
        provider: ModelProvider | None,
        tools: ToolExecutor,
        sessions: SessionStore,
        accounting: AccountingStore,
        budgets: Budgets,
        prices: PriceTable,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.cfg = cfg
        self.provider = provider
        self.tools = tools
        self.sessions = sessions
        self.accounting = accounting
        self.budgets = budgets
        self.prices = prices
        self.clock = clock

    async def _session(self, caller: Caller, request: ChatRequest) -> Session | None:
        if not request.session_id:
            return None
        found = await self.sessions.get(caller.tenant_id, caller.user_id, request.session_id)
        if found is None:
            raise NotFound(f"session {request.session_id} not found", reason="SESSION_NOT_FOUND")
        return found

    async def turn(
        self, caller: Caller, request: ChatRequest, *, stream: bool = False
    ) -> AsyncIterator[TurnEvent]:
        validate(request)
        provider = self.provider
        if provider is None:
            why = missing_setting(self.cfg) or "no provider"
            raise FailedPrecondition(why, reason="LLM_NOT_CONFIGURED")
        session = await self._session(caller, request)
        # Before anything is stored: an exhausted budget changes nothing.
        await self.budgets.enforce(caller, session.id if session else None)
        now = self.clock()
        if session is None:
            title = title_of(request.message)
            session = await self.sessions.create(
                caller.tenant_id, caller.user_id, title, request.base_id, now
            )
            history: list[StoredMessage] = []
        else:
            history = await self.sessions.recent(session.id, HISTORY_LIMIT)
        base_id = request.base_id or session.base_id
        changed_base = base_id if base_id != session.base_id else None
        await self.sessions.append(
            session.id, [_stored("user", request.message, [])], now, changed_base
        )
        messages = [
            ChatMessage("system", system_prompt(base_id)),
            *to_model_messages(history),
            ChatMessage("user", request.message),
        ]
        model = request.model or self.cfg.llm_model
        session_id = session.id

        async def check_budgets() -> None:
            await self.budgets.enforce(caller, session_id)

        loop = ChatLoop(provider, self.tools, self.cfg.llm_max_steps, check_budgets)
        usage = Usage()
        answered_by = model
        async for event in loop.run(model, messages, stream=stream):
            if isinstance(event, TextDelta | ToolCallRecord):
                yield event
            elif isinstance(event, ModelCalled):
                answered_by = event.model
                usage = usage + await self._account(caller, session_id, provider.name, model, event)
            elif isinstance(event, StepDone):
                await self._persist_step(session_id, event)
            elif isinstance(event, TurnDone):
                await self.sessions.append(
                    session_id, [_stored("assistant", event.text, [])], self.clock()
                )
                yield ChatResult(session_id, event.text, event.calls, usage, answered_by)

    async def _account(
        self, caller: Caller, session_id: str, provider: str, model: str, call: ModelCalled
    ) -> Usage:
        prompt, completion = call.usage.prompt_tokens, call.usage.completion_tokens
        cost = self.prices.cost(model, prompt, completion)
        if not cost.priced and call.model != model:
            cost = self.prices.cost(call.model, prompt, completion)
        record = ModelCallRecord(
            caller.tenant_id,
            caller.user_id,
            session_id,
            provider,
            model,
            prompt,
            completion,
            cost.usd,
            cost.priced,
            round(call.latency_ms, 3),
        )
        await self.accounting.record(record, self.clock())
        return Usage(prompt, completion, cost.usd, 1)

    async def _persist_step(self, session_id: str, step: StepDone) -> None:
        by_id = {c.id: c for c in step.calls}
        rows = [_stored("assistant", step.assistant.content, step.calls)]
        rows += [
            _stored("tool", r.content, [by_id[r.tool_call_id]], r.tool_call_id)
            for r in step.results
        ]
        await self.sessions.append(session_id, rows, self.clock())

    async def complete(self, caller: Caller, request: ChatRequest) -> ChatResult:
        """A whole turn at once (Chat), from the model's non-streaming API."""
        result = None
        async for event in self.turn(caller, request):  # to the end: nothing left pending
            if isinstance(event, ChatResult):
                result = event
        if result is None:
            raise RuntimeError("the chat loop ended without a result")
        return result
