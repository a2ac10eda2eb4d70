"""A tenant's permission epoch: a Redis counter the permissions service bumps after every
change that can change a decision (a grant, a revoke, a base moved between workspaces).

Services that cache decisions keep each with the epoch read before asking, and drop it
when the epoch moves; they read the counter through the tracked cache, so a change is seen
on the next call. If a bump is lost (Redis down), cached decisions still expire by age.
"""

from __future__ import annotations

from redis.asyncio import Redis

from services.runtime import logs

PREFIX = "permissions:epoch:"
# Long enough to outlive every cached decision; a reader treats a missing key as 0.
TTL_SECONDS = 24 * 3600

log = logs.get("access_epoch")


def key(tenant_id: str) -> str:
    return PREFIX + tenant_id


async def bump(redis: Redis, tenant_id: str) -> None:
    """Tells every cache of the tenant's decisions that they may be stale."""
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(key(tenant_id))
            pipe.expire(key(tenant_id), TTL_SECONDS)
            await pipe.execute()
    except Exception as exc:  # noqa: BLE001 - the change stands; readers' age bound remains
        log.warning("permission epoch not bumped", tenant_id=tenant_id, error=str(exc))
