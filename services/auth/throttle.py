"""Per-account throttling of failed sign-ins, counted in Redis so every worker shares it.

The window is fixed: it opens with the first failure and lasts login_failure_window
seconds. Once login_max_failures failures are counted, every attempt (the right password
included) is refused until the window closes, so guessing gains nothing by persistence.
Unknown emails are counted too: otherwise throttling itself would tell which accounts exist.
"""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from services.runtime.config import Settings
from services.runtime.errors import ResourceExhausted


class LoginThrottle:
    def __init__(self, redis: Redis, max_failures: int, window: int) -> None:
        self._redis = redis
        self._max = max_failures
        self._window = window

    @classmethod
    def from_settings(cls, redis: Redis, cfg: Settings) -> LoginThrottle:
        return cls(redis, cfg.login_max_failures, cfg.login_failure_window)

    @staticmethod
    def _key(email: str) -> str:
        # Hashed so that Redis holds no email addresses.
        return "auth:login-failures:" + hashlib.sha256(email.lower().encode()).hexdigest()[:32]

    async def check(self, email: str) -> None:
        """Refuses the attempt while the account is throttled."""
        key = self._key(email)
        count = await self._redis.get(key)
        if count is not None and int(count) >= self._max:
            retry_after = max(1, int(await self._redis.ttl(key)))
            raise ResourceExhausted(
                f"too many failed sign-in attempts; retry later (in {retry_after} seconds)",
                reason="LOGIN_THROTTLED",
                metadata={"retry_after_seconds": str(retry_after)},
            )

    async def failed(self, email: str) -> int:
        """Counts a failure; returns the failures so far in this window."""
        key = self._key(email)
        async with self._redis.pipeline(transaction=True) as pipe:
            # SET NX opens the window with its expiry; INCR keeps that expiry.
            pipe.set(key, 0, ex=self._window, nx=True)
            pipe.incr(key)
            _, count = await pipe.execute()
        return int(count)

    async def succeeded(self, email: str) -> None:
        await self._redis.delete(self._key(email))
