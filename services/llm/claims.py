"""One chat turn at a time per session, across every worker process of the llm service.

Two turns on one session at once would both read the same history and both append to it:
the stored conversation would interleave, and each model would answer without the other
turn's messages. So a turn holds an exclusive claim on its session, in Redis, for as long
as it runs.

A second turn sent to a session that is still answering is refused at once with ABORTED
(HTTP 409 through Envoy), "session <id> is already answering a message; send this one when
it has finished", before anything is stored and before any model is called. Queueing it
instead would keep the client's connection open for a whole turn with no sign of progress,
and its answer would not see the first answer the client has not read yet; a chat client
disables its send button while an answer streams in anyway, so a refusal it can show or
retry is what it expects.

The claim is a lease: a Redis key holding a random token, set only if absent, that lasts
`ttl` seconds and is renewed every third of that while the turn runs. A turn may thus run
as long as it needs (model calls and tool calls have no fixed total), while the claim of a
process that died expires within `ttl` and the session can be used again. It is released
when the turn ends in any way: an answer, an error, or a client that went away (the task
is cancelled, or the turn's generator closed). Only the token's owner renews or releases
it (compare-and-set Lua scripts), so a turn whose claim expired while it stalled can never
extend or delete the claim a later turn took.

A new session's claim is taken on its id before the session is created, so it is held from
the moment the session exists (ListSessions shows it) to the end of its first turn. The key
names the session's owner too: someone else's session id is just another key to them, and
they still learn nothing about it (they get NOT_FOUND, as before).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.runtime import logs
from services.runtime.background import keep_renewed
from services.runtime.errors import Aborted, Unavailable
from services.runtime.identity import Caller

log = logs.get("claims")

# Seconds a claim outlives the last sign of life of the process holding it.
CLAIM_TTL = 30.0

RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""

RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


def claim_key(tenant_id: str, user_id: str, session_id: str) -> str:
    return f"llm:turn:{tenant_id}:{user_id}:{session_id}"


def busy_message(session_id: str) -> str:
    return (
        f"session {session_id} is already answering a message; send this one when it has finished"
    )


class SessionClaims:
    def __init__(self, redis: Redis, ttl: float = CLAIM_TTL) -> None:
        self.redis = redis
        self.ttl_ms = max(1, int(ttl * 1000))
        self._renew = redis.register_script(RENEW)
        self._release = redis.register_script(RELEASE)

    async def take(self, key: str) -> str | None:
        """The new claim's token, or None when someone holds the key."""
        token = secrets.token_hex(16)
        try:
            taken = await self.redis.set(key, token, nx=True, px=self.ttl_ms)
        except RedisError as exc:
            # Running the turn unclaimed could corrupt the session's history: refuse it.
            # (The error names Redis' socket: it goes to the log, not to the caller.)
            log.warning("session claim failed", error=str(exc))
            raise Unavailable(
                "cannot claim the session for this turn: the cache is unavailable; retry later",
                reason="CLAIM_UNAVAILABLE",
            ) from exc
        return token if taken else None

    async def release(self, key: str, token: str) -> bool:
        """True when this token held the key and it is gone now."""
        try:
            return bool(await self._release(keys=[key], args=[token]))
        except RedisError as exc:
            # Not fatal: the lease runs out within the TTL.
            log.warning("could not release a session claim", key=key, error=str(exc))
            return False

    async def _keep(self, key: str, token: str) -> None:
        """Renews the claim while the turn runs. Once it expired (the process stalled, and
        maybe another turn took it), it is no longer ours to renew."""

        async def renew() -> bool:
            return bool(await self._renew(keys=[key], args=[token, self.ttl_ms]))

        await keep_renewed(renew, self.ttl_ms / 3000, f"the session claim {key}")

    @asynccontextmanager
    async def hold(self, caller: Caller, session_id: str) -> AsyncIterator[None]:
        """Holds the session for the block; ABORTED when another turn holds it."""
        key = claim_key(caller.tenant_id, caller.user_id, session_id)
        token = await self.take(key)
        if token is None:
            raise Aborted(
                busy_message(session_id),
                reason="SESSION_BUSY",
                metadata={"session_id": session_id},
            )
        keeper = asyncio.create_task(self._keep(key, token))
        try:
            yield
        finally:
            keeper.cancel()
            # Shielded: a second cancellation (shutdown) must not leave the claim behind.
            await asyncio.shield(self.release(key, token))
