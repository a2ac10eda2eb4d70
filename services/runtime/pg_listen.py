"""Waking a polling loop as soon as PostgreSQL says there is work: LISTEN/NOTIFY.

A writer calls `notify(conn, channel)` inside its transaction; PostgreSQL delivers the
notification when (and only if) the transaction commits. A `Listener` holds one connection
of its own (outside the pool, in autocommit, as LISTEN needs) and `wait` returns when a
notification came or the timeout passed, whichever is first. Notifications that arrive
while the loop is busy wait in the connection, so none is missed; several collapse into
one wake-up, which is what a loop that then takes a whole batch wants.

The poll stays underneath: if the connection is lost, `wait` sleeps the timeout and the
next call connects again, so a loop is never slower than its poll interval.
"""

from __future__ import annotations

import asyncio
import contextlib

import psycopg
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.runtime import logs

log = logs.get("pg_listen")


async def notify(conn: AsyncConnection, channel: str) -> None:
    """Sends `channel` a notification when the caller's transaction commits."""
    await conn.execute(sa.select(sa.func.pg_notify(channel, "")))


def conninfo(engine: AsyncEngine) -> str:
    """The engine's database as a libpq URL (the driver's name taken out)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    def __init__(self, engine: AsyncEngine, channel: str) -> None:
        self._conninfo = conninfo(engine)
        self._channel = channel
        self._conn: psycopg.AsyncConnection[object] | None = None

    async def _connect(self) -> psycopg.AsyncConnection[object]:
        conn = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
        return conn

    async def wait(self, seconds: float) -> None:
        """Returns after a notification, or after `seconds` without one."""
        try:
            if self._conn is None or self._conn.closed:
                self._conn = await self._connect()
            async for _ in self._conn.notifies(timeout=seconds, stop_after=1):
                pass
        except asyncio.CancelledError:
            raise
        except (psycopg.Error, OSError) as exc:
            log.warning("listening failed; polling", channel=self._channel, error=str(exc))
            await self.close()
            await asyncio.sleep(seconds)

    async def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                await self._conn.close()
            self._conn = None
