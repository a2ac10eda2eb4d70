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

from services.llm.accounting import AccountingStore
from services.llm.budgets import Budgets
from services.llm.loop import ModelCalled
from services.llm.model import ModelCallRecord, Usage
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


def prompt_tokens_bound(conversation: list[ChatMessage], specs: list[ToolSpec]) -> int:
    """At least as many tokens as the prompt has: the bytes of everything sent as JSON,
    since no tokenizer makes more tokens than bytes, and the JSON's field names outweigh
    the few tokens of framing a provider adds to each message and tool."""
    sent = [asdict(m) for m in conversation] + [asdict(s) for s in specs]
    return len(json.dumps(sent, default=str).encode())


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

    def estimate(self, conversation: list[ChatMessage], specs: list[ToolSpec]) -> float:
        tokens = prompt_tokens_bound(conversation, specs)
        return self.prices.cost(self.model, tokens, COMPLETION_ALLOWANCE).usd

    async def before_call(self, conversation: list[ChatMessage], specs: list[ToolSpec]) -> None:
        """Raises RESOURCE_EXHAUSTED, with nothing held, when a budget is exhausted."""
        amount = self.estimate(conversation, specs)
        self.reservation = await self.budgets.reserve(
            self.caller, self.session_id, amount, self.hold_seconds
        )

    async def settle(self, call: ModelCalled) -> Usage:
        """Records the call and its cost in place of its reservation; its usage."""
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
        await self.accounting.record(record, self.clock(), self.reservation)
        self.reservation = None
        return Usage(prompt, completion, cost.usd, 1)

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
