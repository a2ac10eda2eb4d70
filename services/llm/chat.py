"""One chat turn, as plain Python: validate, claim the session (one turn at a time, see
claims.py), find or start it, check budgets, run the tool loop, and account and persist
every model call (against a budget reservation, see budgets.py) and step as it happens."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from services.llm.accounting import AccountingStore
from services.llm.budgets import Budgets, utc_now
from services.llm.claims import SessionClaims
from services.llm.history import stored_message, to_model_messages
from services.llm.loop import (
    ChatLoop,
    ModelCalled,
    StepDone,
    ToolCallRecord,
    ToolExecutor,
    TurnDone,
    system_prompt,
)
from services.llm.model import Session, Usage
from services.llm.pricing import PriceTable
from services.llm.providers import missing_setting
from services.llm.providers.base import ChatMessage, ModelProvider, TextDelta, ToolSpec
from services.llm.spending import TurnSpending
from services.llm.store import SessionStore
from services.llm.turn_events import turn_completed
from services.runtime.config import Settings, llm_call_timeout, llm_provider
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
        claims: SessionClaims,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.cfg = cfg
        self.provider = provider
        self.tools = tools
        self.sessions = sessions
        self.accounting = accounting
        self.budgets = budgets
        self.prices = prices
        self.claims = claims
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
    ) -> AsyncGenerator[TurnEvent, None]:
        """One turn, holding its session's claim (services/llm/claims.py) throughout."""
        validate(request)
        provider = self.provider
        if provider is None:
            why = missing_setting(self.cfg) or "no provider"
            raise FailedPrecondition(why, reason="LLM_NOT_CONFIGURED")
        # A new session's id is chosen now, so that it is claimed before it exists. A given
        # one is normalised: every spelling of one UUID must name the same claim.
        given = request.session_id
        session_id = str(uuid.UUID(given)) if given else str(uuid.uuid4())
        async with self.claims.hold(caller, session_id):
            async for event in self._claimed_turn(provider, caller, request, session_id, stream):
                yield event

    async def _claimed_turn(
        self,
        provider: ModelProvider,
        caller: Caller,
        request: ChatRequest,
        session_id: str,
        stream: bool,
    ) -> AsyncGenerator[TurnEvent, None]:
        # Read under the claim: the history and base are the previous turn's final ones.
        session = await self._session(caller, request)
        history = await self.sessions.recent(session.id, HISTORY_LIMIT) if session else []
        base_id = request.base_id or (session.base_id if session else "")
        messages = [
            ChatMessage("system", system_prompt(base_id)),
            *to_model_messages(history),
            ChatMessage("user", request.message),
        ]
        # The local provider runs the one model the model service loaded.
        local = llm_provider(self.cfg) == "local"
        model = self.cfg.model if local else request.model or self.cfg.llm_model
        spending = TurnSpending(
            self.budgets,
            self.accounting,
            self.prices,
            caller,
            session_id,
            provider.name,
            model,
            llm_call_timeout(self.cfg),
            self.clock,
        )
        specs = await self.tools.list_tools()
        try:
            # Before anything is stored: an exhausted budget changes nothing.
            await spending.reserve_first(messages, specs)
            await self._store_message(caller, request, session, session_id, base_id)
            loop = ChatLoop(provider, self.tools, self.cfg.llm_max_steps, spending.before_call)
            async for event in self._run(loop, spending, model, messages, specs, stream):
                yield event
        finally:
            await spending.release()

    async def _store_message(
        self,
        caller: Caller,
        request: ChatRequest,
        session: Session | None,
        session_id: str,
        base_id: str,
    ) -> None:
        """The user's message, in the session it starts or continues."""
        now = self.clock()
        message = [stored_message("user", request.message, [])]
        if session is None:
            title = title_of(request.message)
            await self.sessions.create(
                caller.tenant_id, caller.user_id, title, base_id, now, session_id, message
            )
        else:
            changed_base = base_id if base_id != session.base_id else None
            await self.sessions.append(session.id, message, now, changed_base)

    async def _run(
        self,
        loop: ChatLoop,
        spending: TurnSpending,
        model: str,
        messages: list[ChatMessage],
        specs: list[ToolSpec],
        stream: bool,
    ) -> AsyncGenerator[TurnEvent, None]:
        """The tool loop, accounting and storing each model call and step as it happens."""
        session_id = spending.session_id
        usage = Usage()
        answered_by = model
        # The call that answered, recorded together with its answer (one write).
        answering: ModelCalled | None = None
        async for event in loop.run(model, messages, stream=stream, specs=specs):
            if isinstance(event, TextDelta | ToolCallRecord):
                yield event
            elif isinstance(event, ModelCalled):
                answered_by = event.model
                if event.final:
                    answering = event
                else:
                    usage = usage + await spending.settle(event)
            elif isinstance(event, StepDone):
                await self._persist_step(session_id, event)
            elif isinstance(event, TurnDone):
                answer = [stored_message("assistant", event.text, [])]
                # The turn's event, made of its whole usage by the write that ends it.
                announce = partial(
                    turn_completed, spending, answered_by, tool_calls=len(event.calls)
                )
                if answering is not None:
                    usage = usage + await spending.settle(answering, answer, announce)
                else:  # the step limit's message: no model call wrote it
                    now = self.clock()
                    await self.sessions.append(session_id, answer, now, None, announce(usage))
                yield ChatResult(session_id, event.text, event.calls, usage, answered_by)

    async def _persist_step(self, session_id: str, step: StepDone) -> None:
        by_id = {c.id: c for c in step.calls}
        rows = [stored_message("assistant", step.assistant.content, step.calls)]
        rows += [
            stored_message("tool", r.content, [by_id[r.tool_call_id]], r.tool_call_id)
            for r in step.results
        ]
        await self.sessions.append(session_id, rows, self.clock())

    async def complete(self, caller: Caller, request: ChatRequest) -> ChatResult:
        """A whole turn at once (Chat), from the model's non-streaming API."""
        result = None
        # Closed on the way out whatever happens, so the session's claim goes with it.
        async with aclosing(self.turn(caller, request)) as events:
            async for event in events:  # to the end: nothing left pending
                if isinstance(event, ChatResult):
                    result = event
        if result is None:
            raise RuntimeError("the chat loop ended without a result")
        return result
