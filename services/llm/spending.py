"""What one chat turn's model calls spend: before each call its estimated cost is reserved
against the caller's budgets, after it the real cost is recorded in its place, and a call
that never finished gives its reservation back. services/llm/budgets.py gives the rules and
the bound they keep under concurrent turns."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime

from tablemesh.events.v1.events_pb2 import Event

from services.llm.accounting import AccountingStore
from services.llm.budgets import Budgets
from services.llm.loop import ModelCalled
from services.llm.model import ModelCallRecord, StoredMessage, Usage
from services.llm.pricing import PriceTable
from services.llm.providers.base import ChatMessage, ToolSpec
from services.runtime import logs
from services.runtime.identity import Caller

log = logs.get("spending")

# Output tokens a call is assumed to produce at most: no max_tokens is sent to the model,
# so this is an assumption, and a longer reply costs more than its call reserved.
COMPLETION_ALLOWANCE = 4096
# Seconds beyond two model-call timeouts (the client retries once) that a reservation
# lasts, so it outlives its call but not by long when the process holding it died.
HOLD_GRACE = 60.0


def json_bytes(items: list[ChatMessage] | list[ToolSpec]) -> int:
    return len(json.dumps([asdict(item) for item in items], default=str).encode())


def prompt_tokens_bound(conversation: list[ChatMessage], specs: list[ToolSpec]) -> int:
    """At least as many tokens as the prompt has: the bytes of everything sent as JSON,
    since no tokenizer makes more tokens than bytes, and the JSON's field names outweigh
    the few tokens of framing a provider adds to each message and tool."""
    # Two JSON lists are as long as the one list of both, or 2 bytes longer (an empty one).
    return json_bytes(conversation) + json_bytes(specs)


class TurnSpending:
    def __init__(
        self,
        budgets: Budgets,
        accounting: AccountingStore,
        prices: PriceTable,
        caller: Caller,
        session_id: str,
        provider: str,
        model: str,
        timeout: float,
        clock: Callable[[], datetime],
    ) -> None:
        self.budgets = budgets
        self.accounting = accounting
        self.prices = prices
        self.caller = caller
        self.session_id = session_id
        self.provider = provider
        self.model = model
        self.hold_seconds = 2 * timeout + HOLD_GRACE
        self.clock = clock
        # The reservation of the call in progress, if it holds one.
        self.reservation: str | None = None
        # Whether the next call was reserved already (by `reserve_first`).
        self._reserved_next = False
        # The tools' share of the estimate: the same tools go with every call of a turn.
        self._specs_bytes: int | None = None
        # What the turn's calls settled so far cost.
        self.turn_usage = Usage()

    def estimate(self, conversation: list[ChatMessage], specs: list[ToolSpec]) -> float:
        if self._specs_bytes is None:
            self._specs_bytes = json_bytes(specs)
        tokens = json_bytes(conversation) + self._specs_bytes
        return self.prices.cost(self.model, tokens, COMPLETION_ALLOWANCE).usd

    async def reserve_first(self, conversation: list[ChatMessage], specs: list[ToolSpec]) -> None:
        """`before_call` for the turn's first model call, before the turn stores anything:
        RESOURCE_EXHAUSTED then leaves no trace. The call itself then reserves no more."""
        await self.before_call(conversation, specs)
        self._reserved_next = True

    async def before_call(self, conversation: list[ChatMessage], specs: list[ToolSpec]) -> None:
        """Raises RESOURCE_EXHAUSTED, with nothing held, when a budget is exhausted."""
        if self._reserved_next:
            self._reserved_next = False
            return
        self.reservation = await self.budgets.reserve(
            self.caller,
            self.session_id,
            lambda: self.estimate(conversation, specs),
            self.hold_seconds,
        )

    async def settle(
        self,
        call: ModelCalled,
        answer: list[StoredMessage] | None = None,
        announce: Callable[[Usage], Event] | None = None,
    ) -> Usage:
        """Records the call and its cost in place of its reservation, with the `answer`
        messages it produced when it ended the turn, and then the event `announce` makes
        of the whole turn's usage; the call's usage."""
        prompt, completion = call.usage.prompt_tokens, call.usage.completion_tokens
        cost = self.prices.cost(self.model, prompt, completion)
        if not cost.priced and call.model != self.model:
            cost = self.prices.cost(call.model, prompt, completion)
        record = ModelCallRecord(
            self.caller.tenant_id,
            self.caller.user_id,
            self.session_id,
            self.provider,
            self.model,
            prompt,
            completion,
            cost.usd,
            cost.priced,
            round(call.latency_ms, 3),
        )
        usage = Usage(prompt, completion, cost.usd, 1)
        event = announce(self.turn_usage + usage) if announce is not None else None
        await self.accounting.record(record, self.clock(), self.reservation, answer, event)
        self.reservation = None
        self.turn_usage = self.turn_usage + usage
        return usage

    async def release(self) -> None:
        """Gives back the reservation of a call that failed or was cancelled."""
        reservation, self.reservation = self.reservation, None
        if reservation is None:
            return
        try:
            # Shielded: the turn may be ending because its task was cancelled.
            await asyncio.shield(self.budgets.release(reservation))
        except Exception as exc:  # noqa: BLE001 - it expires anyway; the turn's error matters
            log.warning("could not release a budget reservation", error=str(exc))
