"""Budgets and cost summaries, as plain Python.

Three scopes: `session` (one session's total, set by its owner), `user_daily` (what each
user of the tenant may spend per UTC day) and `tenant_daily` (the whole tenant per UTC
day), the last two set by admins. A set budget is exhausted once spending reaches its
limit, so a limit of 0 stops every model call. `reserve` runs before each model call; a
turn reserves its first call before it stores anything, so an exhausted budget changes
nothing. `enforce` checks the budgets without holding anything.

Concurrent turns (of one user on several sessions, or of several users of a tenant) must
not all pass the check before any of them has spent. So before each model call, `reserve`
checks the budgets and holds the call's estimated cost in one step, one call of a tenant
at a time (services/llm/reservations.py); a budget counts what was spent plus what calls
in progress hold, and the call is refused (RESOURCE_EXHAUSTED naming the budget) when that
reaches the limit. After the call its real cost replaces the held amount in one
transaction; a failed or cancelled call drops its reservation; a dead process's
reservation stops counting when it expires (two model-call timeouts and a minute).

The estimate (services/llm/spending.py) is meant to be an upper bound of the call's cost:
the prompt's size in bytes of JSON (no tokenizer makes more tokens than bytes) at the input
price, plus 4,096 output tokens at the output price. A call is admitted while spent plus
held is below the limit (so a lone call is admitted exactly as before), and every call in
progress holds at least its real cost; hence spending ends below the limit plus the cost
of one model call, the last one admitted, whatever the concurrency: the bound a lone turn
always had. Only a reply longer than 4,096 tokens costs more than it held, and then the
excess of each such call that ran alongside others adds to the bound. A model with no price
costs 0 and holds 0. A call cut short by a client that went away reports no usage, so it
is not recorded, and its reservation is given back. A streamed reply still arriving after
its reservation expired counts only once it is recorded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from services.llm.accounting import AccountingStore
from services.llm.model import BUDGET_SCOPES, Budget, Usage
from services.llm.reservations import BudgetKey, ReservationStore, Standing
from services.llm.store import SessionStore
from services.runtime.clock import now as utc_now
from services.runtime.errors import NotFound, ResourceExhausted, Violations, invalid
from services.runtime.identity import Caller
from services.runtime.validation import check_uuid

MAX_LIMIT_USD = 1_000_000.0


def start_of_day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class Budgets:
    def __init__(
        self,
        accounting: AccountingStore,
        sessions: SessionStore,
        reservations: ReservationStore,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.accounting = accounting
        self.sessions = sessions
        self.reservations = reservations
        self.clock = clock

    async def _spent(self, caller: Caller, scope: str, session_id: str) -> float:
        today = start_of_day(self.clock())
        if scope == "session":
            return await self.accounting.spent(caller.tenant_id, session_id=session_id)
        if scope == "user_daily":
            return await self.accounting.spent(
                caller.tenant_id, user_id=caller.user_id, since=today
            )
        return await self.accounting.spent(caller.tenant_id, since=today)

    def _keys(self, session_id: str | None) -> list[BudgetKey]:
        keys = [("tenant_daily", ""), ("user_daily", "")]
        return keys + [("session", session_id)] if session_id else keys

    async def _limits(self, caller: Caller, session_id: str | None) -> dict[BudgetKey, float]:
        """The set budgets that apply to a call of this caller on this session, in the
        order they are checked."""
        keys = self._keys(session_id)
        limits = await self.accounting.limits(caller.tenant_id, keys)
        return {key: limits[key] for key in keys if key in limits}

    @staticmethod
    def _refuse_if_exhausted(
        limits: dict[BudgetKey, float], standing: dict[BudgetKey, Standing]
    ) -> None:
        """Raises RESOURCE_EXHAUSTED naming the first exhausted budget; else returns."""
        for key, limit in limits.items():
            scope, spent, held = key[0], standing[key].spent, standing[key].held
            if spent + held < limit:
                continue
            metadata = {"scope": scope, "limit_usd": f"{limit:.6f}", "spent_usd": f"{spent:.6f}"}
            in_progress = ""
            if held:
                metadata["held_usd"] = f"{held:.6f}"
                in_progress = f" and ${held:.6f} held by model calls in progress"
            raise ResourceExhausted(
                f"the {scope} budget is exhausted: ${spent:.6f} spent{in_progress} of the "
                f"${limit:.6f} limit{' for today (UTC)' if scope != 'session' else ''}",
                reason="BUDGET_EXHAUSTED",
                metadata=metadata,
            )

    async def enforce(self, caller: Caller, session_id: str | None) -> None:
        """Raises RESOURCE_EXHAUSTED naming the first exhausted budget; else returns."""
        limits = await self._limits(caller, session_id)
        if limits:
            now = self.clock()
            standing = await self.reservations.standing(
                caller, list(limits), start_of_day(now), now
            )
            self._refuse_if_exhausted(limits, standing)

    async def reserve(
        self,
        caller: Caller,
        session_id: str,
        amount_usd: float | Callable[[], float],
        hold_seconds: float,
    ) -> str | None:
        """Checks the budgets as `enforce` does and holds `amount_usd` against them for at
        most `hold_seconds`, atomically; the reservation's id, or None when none is held
        (no budget applies, or the amount is 0). The amount may be given as the function
        that estimates it, run only when a budget applies."""
        limits = await self._limits(caller, session_id)
        if not limits:
            return None
        amount = amount_usd() if callable(amount_usd) else amount_usd
        now = self.clock()
        times = (start_of_day(now), now, now + timedelta(seconds=hold_seconds))
        return await self.reservations.reserve(
            caller,
            session_id,
            list(limits),
            times,
            amount,
            lambda standing: self._refuse_if_exhausted(limits, standing),
        )

    async def release(self, reservation_id: str) -> None:
        await self.reservations.release(reservation_id)

    async def _check(self, caller: Caller, scope: str, session_id: str) -> str:
        """The budget's subject, once scope and session are valid and the session is the
        caller's own."""
        v = Violations()
        if scope not in BUDGET_SCOPES:
            v.add("scope", f"must be one of {', '.join(BUDGET_SCOPES)}, got {scope[:40]!r}")
        elif scope == "session":
            session_id = check_uuid(v, "session_id", session_id)
        elif session_id:
            v.add("session_id", f"must be empty for a {scope} budget")
        v.raise_if_any()
        if scope != "session":
            return ""
        if await self.sessions.get(caller.tenant_id, caller.user_id, session_id) is None:
            raise NotFound(f"session {session_id} not found", reason="SESSION_NOT_FOUND")
        return session_id

    async def get(self, caller: Caller, scope: str, session_id: str) -> Budget:
        subject = await self._check(caller, scope, session_id)
        limits = await self.accounting.limits(caller.tenant_id, [(scope, subject)])
        spent = await self._spent(caller, scope, subject)
        limit = limits.get((scope, subject))
        return Budget(scope, subject, limit or 0.0, spent, is_set=limit is not None)

    async def set(self, caller: Caller, scope: str, session_id: str, limit_usd: float) -> Budget:
        if not math.isfinite(limit_usd) or not 0 <= limit_usd <= MAX_LIMIT_USD:
            raise invalid("limit_usd", f"must be between 0 and {MAX_LIMIT_USD:.0f}")
        if scope in ("user_daily", "tenant_daily"):
            caller.require_admin()
        subject = await self._check(caller, scope, session_id)
        await self.accounting.set_limit(
            caller.tenant_id, scope, subject, limit_usd, caller.user_id, self.clock()
        )
        return await self.get(caller, scope, subject)

    async def cost_summary(
        self, caller: Caller, scope: str, days: int
    ) -> tuple[Usage, list[tuple[str, Usage]]]:
        v = Violations()
        if scope not in ("", "user", "tenant"):
            v.add("scope", f'must be "user" or "tenant", got {scope[:40]!r}')
        if not 0 <= days <= 366:
            v.add("days", f"must be between 1 and 366 (0 means 30), got {days}")
        v.raise_if_any()
        if scope == "tenant":
            caller.require_admin()
        since = start_of_day(self.clock()) - timedelta(days=(days or 30) - 1)
        user_id = None if scope == "tenant" else caller.user_id
        by_model = await self.accounting.summary(caller.tenant_id, user_id, since)
        total = Usage()
        for _, usage in by_model:
            total = total + usage
        return total, by_model
