"""PostgreSQL side of budget enforcement: what each budget stands at (spent plus held by
model calls in progress), and reservations taken one at a time per tenant.

Budgets (services/llm/budgets.py) decides; this module only makes the reading and the
reservation atomic: a reservation is checked and written in one transaction under a
per-tenant advisory lock (every budget of a call belongs to its tenant), and the standing
of all budgets is read in one statement, so it is one snapshot: a call's cost recorded
and its reservation deleted in one transaction (AccountingStore.record) is seen either as
held or as spent, never as neither.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.llm.tables import budget_reservations, model_calls
from services.runtime.identity import Caller

BudgetKey = tuple[str, str]


@dataclass(frozen=True)
class Standing:
    """One budget's spending: recorded costs, and amounts held by calls in progress."""

    spent: float
    held: float


def _owner(table: sa.Table, caller: Caller, scope: str, subject: str) -> list[sa.ColumnElement]:
    conds: list[sa.ColumnElement] = [table.c.tenant_id == caller.tenant_id]
    if scope == "user_daily":
        conds.append(table.c.user_id == caller.user_id)
    elif scope == "session":
        conds.append(table.c.session_id == subject)
    return conds


def _sum(column: sa.Column, conds: list[sa.ColumnElement]) -> sa.ScalarSelect:
    return sa.select(sa.func.coalesce(sa.func.sum(column), 0)).where(*conds).scalar_subquery()


async def _standing(
    conn: AsyncConnection, caller: Caller, keys: list[BudgetKey], today: datetime, now: datetime
) -> dict[BudgetKey, Standing]:
    columns = []
    for scope, subject in keys:
        spent = _owner(model_calls, caller, scope, subject)
        if scope != "session":
            spent.append(model_calls.c.created_at >= today)
        held = _owner(budget_reservations, caller, scope, subject)
        held.append(budget_reservations.c.expires_at > now)
        columns += [
            _sum(model_calls.c.cost_usd, spent),
            _sum(budget_reservations.c.amount_usd, held),
        ]
    row = (await conn.execute(sa.select(*columns))).one()
    return {key: Standing(float(row[2 * i]), float(row[2 * i + 1])) for i, key in enumerate(keys)}


class ReservationStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def standing(
        self, caller: Caller, keys: list[BudgetKey], today: datetime, now: datetime
    ) -> dict[BudgetKey, Standing]:
        async with self._engine.connect() as conn:
            return await _standing(conn, caller, keys, today, now)

    async def reserve(
        self,
        caller: Caller,
        session_id: str,
        keys: list[BudgetKey],
        times: tuple[datetime, datetime, datetime],
        amount_usd: float,
        check: Callable[[dict[BudgetKey, Standing]], None],
    ) -> str | None:
        """Runs `check` on the standing of `keys` (it raises to refuse), then holds
        `amount_usd` until times[2]; times are (start of today, now, expiry). The id of
        the reservation, or None when the amount is 0 and nothing needs holding."""
        today, now, until = times
        lock_key = f"llm.budgets:{caller.tenant_id}"
        async with self._engine.begin() as conn:
            # Held to the commit: the next reservation of this tenant reads this one.
            await conn.execute(
                sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(lock_key, 0)))
            )
            # The leftovers of dead processes, which no longer count, go while we are here.
            await conn.execute(
                budget_reservations.delete().where(
                    budget_reservations.c.tenant_id == caller.tenant_id,
                    budget_reservations.c.expires_at <= now,
                )
            )
            check(await _standing(conn, caller, keys, today, now))
            if amount_usd <= 0:
                return None
            reservation_id = str(uuid.uuid4())
            await conn.execute(
                budget_reservations.insert().values(
                    id=reservation_id,
                    tenant_id=caller.tenant_id,
                    user_id=caller.user_id,
                    session_id=session_id,
                    amount_usd=amount_usd,
                    expires_at=until,
                )
            )
        return reservation_id

    async def release(self, reservation_id: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                budget_reservations.delete().where(budget_reservations.c.id == reservation_id)
            )
