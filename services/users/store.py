"""PostgreSQL storage of profiles (schema "users"), with a Redis read cache by id."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import Event

from services.runtime import events
from services.runtime.errors import AlreadyExists
from services.runtime.tracked_cache import MISSING, TrackedCache
from services.users.model import ListQuery, Profile, Stats

# The events a change announces, from the profile as it is after it.
Announce = Callable[[Profile], list[Event]]

metadata = sa.MetaData(schema="users")
profiles = sa.Table(
    "profiles",
    metadata,
    sa.Column("id", postgresql.UUID(as_uuid=False), primary_key=True),
    sa.Column("tenant_id", postgresql.UUID(as_uuid=False)),
    *(
        sa.Column(name, sa.Text)
        for name in (
            "email",
            "first_name",
            "last_name",
            "display_name",
            "avatar_url",
            "bio",
            "phone",
            "role",
            "request_id",
        )
    ),
    sa.Column("is_active", sa.Boolean),
    sa.Column("email_verified", sa.Boolean),
    sa.Column("preferences", postgresql.JSONB),
    *(
        sa.Column(name, sa.DateTime(timezone=True))
        for name in ("created_at", "updated_at", "deleted_at", "last_login_at")
    ),
)
PROFILE_FIELDS = [f.name for f in fields(Profile)]
CACHE_TTL = 300
CACHE_PREFIX = "users:profile:"
# Events written with the change they announce (role changes, deactivation, deletion).
outbox = events.outbox_table(metadata)


def _row_to_profile(row: Any) -> Profile:
    return Profile(**{name: getattr(row, name) for name in PROFILE_FIELDS})


class ProfileStore:
    def __init__(
        self, engine: AsyncEngine, redis: Redis, tracked: TrackedCache | None = None
    ) -> None:
        self._engine = engine
        self._redis = redis
        # Decoded profiles in this process, exact while the invalidation feed is live.
        self._local = tracked or TrackedCache(redis)
        self._local.track(CACHE_PREFIX)

    # --- cache -------------------------------------------------------------------------
    @staticmethod
    def _key(user_id: str) -> str:
        return CACHE_PREFIX + user_id

    async def _cached(self, user_id: str) -> Profile | None:
        key = self._key(user_id)
        local = self._local.get(key)
        if local is not MISSING:
            return cast(Profile, local)
        generation = self._local.generation
        raw = await self._redis.get(key)
        if raw is None:
            return None
        data = json.loads(raw)
        for name in ("created_at", "updated_at", "deleted_at", "last_login_at"):
            if data[name]:
                data[name] = datetime.fromisoformat(data[name])
        profile = Profile(**data)
        self._local.put(key, profile, generation)
        return profile

    async def _remember(self, profile: Profile) -> None:
        await self._redis.set(
            self._key(profile.id), json.dumps(asdict(profile), default=str), ex=CACHE_TTL
        )

    async def forget(self, user_id: str) -> None:
        await self._redis.delete(self._key(user_id))
        self._local.drop(self._key(user_id))

    # --- reads -------------------------------------------------------------------------
    async def get(self, user_id: str) -> Profile | None:
        """Any profile by id, deleted ones included; callers check tenant and deletion."""
        cached = await self._cached(user_id)
        if cached is not None:
            return cached
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(profiles).where(profiles.c.id == user_id))).first()
        if row is None:
            return None
        profile = _row_to_profile(row)
        await self._remember(profile)
        return profile

    async def get_many(self, tenant_id: str, ids: list[str]) -> list[Profile]:
        query = sa.select(profiles).where(
            profiles.c.tenant_id == tenant_id,
            profiles.c.id.in_(ids),
            profiles.c.deleted_at.is_(None),
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_row_to_profile(r) for r in rows]

    async def by_request_id(self, tenant_id: str, request_id: str) -> Profile | None:
        query = sa.select(profiles).where(
            profiles.c.tenant_id == tenant_id, profiles.c.request_id == request_id
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _row_to_profile(row) if row else None

    def _filtered(self, q: ListQuery) -> sa.ColumnElement[bool]:
        conds = [profiles.c.tenant_id == q.tenant_id, profiles.c.deleted_at.is_(None)]
        if q.role:
            conds.append(profiles.c.role == q.role)
        if q.is_active is not None:
            conds.append(profiles.c.is_active == q.is_active)
        if q.search:
            pattern = (
                "%" + q.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            )
            conds.append(
                sa.or_(
                    *(
                        c.ilike(pattern, escape="\\")
                        for c in (
                            profiles.c.email,
                            profiles.c.first_name,
                            profiles.c.last_name,
                            profiles.c.display_name,
                        )
                    )
                )
            )
        return sa.and_(*conds)

    def _sort_key(self, q: ListQuery) -> sa.ColumnElement[Any]:
        column = profiles.c[q.order_column]
        if q.order_column == "last_login_at":  # never-logged-in users sort first
            return sa.func.coalesce(column, sa.literal(datetime(1970, 1, 1, tzinfo=UTC)))
        return column  # type: ignore[no-any-return]

    async def page(self, q: ListQuery) -> tuple[list[Profile], int, list[Any] | None]:
        """A page, the total count and the sort key of the last row (None on the last page)."""
        key = self._sort_key(q)
        where = self._filtered(q)
        query = sa.select(profiles, key.label("sort_key")).where(where)
        if q.after is not None:
            after_value, after_id = q.after
            if q.order_column in ("created_at", "last_login_at"):
                after_value = datetime.fromisoformat(after_value)
            row_key = sa.tuple_(key, profiles.c.id)
            bound = sa.tuple_(
                sa.literal(after_value, key.type), sa.literal(after_id, profiles.c.id.type)
            )
            query = query.where(row_key < bound if q.descending else row_key > bound)
        order = (key.desc(), profiles.c.id.desc()) if q.descending else (key, profiles.c.id)
        query = query.order_by(*order).limit(q.page_size + 1)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
            total = (await conn.execute(sa.select(sa.func.count()).where(where))).scalar_one()
        page = rows[: q.page_size]
        last = None
        if len(rows) > q.page_size:
            sort_value = page[-1].sort_key
            last = [
                sort_value.isoformat() if isinstance(sort_value, datetime) else sort_value,
                page[-1].id,
            ]
        return [_row_to_profile(r) for r in page], int(total), last

    async def stats(self, tenant_id: str, now: datetime) -> Stats:
        live = sa.and_(profiles.c.tenant_id == tenant_id, profiles.c.deleted_at.is_(None))
        async with self._engine.connect() as conn:
            counts = (
                await conn.execute(
                    sa.select(
                        sa.func.count(),
                        sa.func.count().filter(profiles.c.is_active),
                        sa.func.count().filter(profiles.c.created_at >= now - timedelta(days=7)),
                    ).where(live)
                )
            ).one()
            roles = (
                await conn.execute(
                    sa.select(profiles.c.role, sa.func.count())
                    .where(live)
                    .group_by(profiles.c.role)
                )
            ).all()
        return Stats(int(counts[0]), int(counts[1]), {r: int(n) for r, n in roles}, int(counts[2]))

    # --- writes ------------------------------------------------------------------------
    async def insert(self, profile: Profile, request_id: str | None) -> Profile:
        values = {name: getattr(profile, name) for name in PROFILE_FIELDS}
        try:
            async with self._engine.begin() as conn:
                await conn.execute(profiles.insert().values(**values, request_id=request_id))
        except IntegrityError as exc:
            raise AlreadyExists("a user with this id already exists", reason="USER_EXISTS") from exc
        return profile

    async def update(
        self, user_id: str, changes: dict[str, Any], announce: Announce | None = None
    ) -> Profile | None:
        """Applies the changes; `announce` makes the events of the updated profile, which
        are written in the same transaction."""
        query = (
            profiles.update()
            .where(profiles.c.id == user_id)
            .values(**changes)
            .returning(*profiles.c)
        )
        async with self._engine.begin() as conn:
            row = (await conn.execute(query)).first()
            if row is not None and announce is not None:
                await events.emit(conn, outbox, *announce(_row_to_profile(row)))
        await self.forget(user_id)
        return _row_to_profile(row) if row else None

    async def purge(self, user_id: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(profiles.delete().where(profiles.c.id == user_id))
        await self.forget(user_id)
