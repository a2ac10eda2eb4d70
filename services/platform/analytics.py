"""What the analytics do, as plain Python: record a client's own figures, and read the
tenant's within the caller's scope (services/platform/scope.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from google.protobuf.timestamp_pb2 import Timestamp

from services.platform import analytics_checks as checks
from services.platform.analytics_tables import client_daily, usage_daily
from services.platform.figures import (
    CLIENT_EVENT_PREFIX,
    CLIENT_METRIC_PREFIX,
    Increment,
    is_client_metric,
)
from services.platform.rollups import Rollups
from services.platform.scope import Scope
from services.platform.usage_queries import PERIODS, TopTable, UsageQueries, UsageRow
from services.runtime import clock, pagination
from services.runtime.errors import Violations
from services.runtime.identity import Caller

TOP_TABLES = 5


@dataclass(frozen=True)
class Series:
    metric: str
    user_id: str
    points: list[tuple[date, float]]


@dataclass(frozen=True)
class Dashboard:
    scope: str
    day: date
    periods: dict[int, dict[str, float]]
    top_tables: list[TopTable]


@dataclass(frozen=True)
class Query:
    metric: str
    start: Timestamp | None = None
    end: Timestamp | None = None
    granularity: int = 0
    user_id: str = ""


class Analytics:
    def __init__(self, rollups: Rollups, queries: UsageQueries, scope: Scope) -> None:
        self.rollups = rollups
        self.queries = queries
        self.scope = scope

    async def record_events(self, caller: Caller, names: Sequence[str]) -> int:
        v = Violations()
        checks.check_batch(v, "events", len(names))
        for i, name in enumerate(names[: checks.MAX_BATCH]):
            checks.check_name(v, f"events[{i}].name", name)
        v.raise_if_any()
        await self._record(caller, [(CLIENT_EVENT_PREFIX + n, 1.0) for n in names])
        return len(names)

    async def record_metrics(self, caller: Caller, values: Sequence[tuple[str, float]]) -> int:
        v = Violations()
        checks.check_batch(v, "metrics", len(values))
        for i, (name, value) in enumerate(values[: checks.MAX_BATCH]):
            checks.check_name(v, f"metrics[{i}].name", name)
            checks.check_value(v, f"metrics[{i}].value", value)
        v.raise_if_any()
        await self._record(caller, [(CLIENT_METRIC_PREFIX + n, x) for n, x in values])
        return len(values)

    async def _record(self, caller: Caller, items: list[tuple[str, float]]) -> None:
        user = "" if caller.is_service else caller.user_id
        today = clock.now().date()
        rows = [Increment(caller.tenant_id, user, today, m, x) for m, x in items]
        await self.rollups.add(client_daily, rows)

    async def query(self, caller: Caller, q: Query) -> Series:
        v = Violations()
        checks.check_metric(v, q.metric)
        first, last = checks.day_range(v, q.start, q.end)
        checks.check_granularity(v, q.granularity)
        checks.check_user_id(v, q.user_id)
        v.raise_if_any()
        user = await self.scope.whose(caller, q.user_id)
        table = client_daily if is_client_metric(q.metric) else usage_daily
        found = await self.queries.series(table, caller.tenant_id, q.metric, first, last, user)
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        return Series(q.metric, user or "", [(d, found.get(d, 0.0)) for d in days])

    async def usage(
        self,
        caller: Caller,
        start: Timestamp | None,
        end: Timestamp | None,
        user_id: str,
        size: int,
        token: str,
    ) -> tuple[list[UsageRow], str]:
        v = Violations()
        first, last = checks.day_range(v, start, end)
        checks.check_user_id(v, user_id)
        try:
            size = pagination.page_size(size)
        except Exception as exc:  # noqa: BLE001 - collected with the rest
            v.items.extend(getattr(exc, "violations", []))
        v.raise_if_any()
        fp = pagination.fingerprint(first=first, last=last, user_id=user_id, who=caller.user_id)
        after_key = pagination.decode_token(token, fp)
        user = await self.scope.whose(caller, user_id)
        after = (date.fromisoformat(after_key[0]), str(after_key[1])) if after_key else None
        rows = await self.queries.usage(caller.tenant_id, first, last, user, size + 1, after)
        if len(rows) <= size:
            return rows, ""
        rows = rows[:size]
        return rows, pagination.encode_token([rows[-1].day.isoformat(), rows[-1].user_id], fp)

    async def dashboard(self, caller: Caller) -> Dashboard:
        user = await self.scope.whose(caller, "")
        today = clock.now().date()
        periods = await self.queries.periods(caller.tenant_id, today, user)
        first = today - timedelta(days=max(PERIODS) - 1)
        top = await self.queries.top_tables(caller.tenant_id, first, today, user, TOP_TABLES)
        return Dashboard("tenant" if user is None else "user", today, periods, top)
