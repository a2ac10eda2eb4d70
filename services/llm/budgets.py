"""Budgets and cost summaries, as plain Python.

Three scopes: `session` (one session's total, set by its owner), `user_daily` (what each
user of the tenant may spend per UTC day) and `tenant_daily` (the whole tenant per UTC
day), the last two set by admins. A set budget is exhausted once spending reaches its
limit, so a limit of 0 stops every model call. `enforce` runs before each model call.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from services.llm.accounting import AccountingStore
from services.llm.model import BUDGET_SCOPES, Budget, Usage
from services.llm.store import SessionStore
from services.runtime.errors import NotFound, ResourceExhausted, Violations, invalid
from services.runtime.identity import Caller
from services.runtime.validation import check_uuid

MAX_LIMIT_USD = 1_000_000.0


def utc_now() -> datetime:
    return datetime.now(UTC)


def start_of_day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class Budgets:
    def __init__(
        self,
        accounting: AccountingStore,
        sessions: SessionStore,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.accounting = accounting
        self.sessions = sessions
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

    async def enforce(self, caller: Caller, session_id: str | None) -> None:
        """Raises RESOURCE_EXHAUSTED naming the first exhausted budget; else returns."""
        keys = [("tenant_daily", ""), ("user_daily", "")]
        if session_id:
            keys.append(("session", session_id))
        limits = await self.accounting.limits(caller.tenant_id, keys)
        for scope, subject in keys:
            if (scope, subject) not in limits:
                continue
            limit = limits[(scope, subject)]
            spent = await self._spent(caller, scope, subject)
            if spent >= limit:
                raise ResourceExhausted(
                    f"the {scope} budget is exhausted: ${spent:.6f} spent of the "
                    f"${limit:.6f} limit{' for today (UTC)' if scope != 'session' else ''}",
                    reason="BUDGET_EXHAUSTED",
                    metadata={
                        "scope": scope,
                        "limit_usd": f"{limit:.6f}",
                        "spent_usd": f"{spent:.6f}",
                    },
                )

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
