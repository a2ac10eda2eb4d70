"""Throttles counted in Redis, so every worker of auth shares them.

Each is a fixed window: it opens with the first count and lasts `window` seconds. Once
`limit` counts are in, every attempt (a right password or secret included) is refused
until the window closes, so guessing gains nothing by persistence.

- LoginThrottle: failed sign-ins per account. Unknown emails are counted too: otherwise
  throttling itself would tell which accounts exist. It is enforced by the service, so a
  caller who reaches the auth port directly gets the same limit as one through Envoy.
- ServiceTokenThrottle: failed IssueServiceToken calls, per service name and per caller
  address.
- SignInRate: every sign-in and sign-up call per client address per minute, one bucket
  for Login, Register, AcceptInvitation and ExchangeApiKey, REST or gRPC. RefreshToken
  is left out: its token cannot be guessed, and it costs no password hash, while every
  signed-in client behind one address renews every few minutes.
"""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from services.runtime.config import Settings
from services.runtime.errors import ResourceExhausted


class Counter:
    """Counts per subject in fixed windows; subjects are hashed, so Redis holds no emails."""

    def __init__(self, redis: Redis, prefix: str, limit: int, window: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self.limit = limit
        self.window = window

    def key(self, subject: str) -> str:
        return self._prefix + hashlib.sha256(subject.encode()).hexdigest()[:32]

    async def over(self, subject: str) -> int | None:
        """Seconds until the window closes if the subject is at its limit, else None."""
        key = self.key(subject)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.ttl(key)
            count, ttl = await pipe.execute()
        if count is not None and int(count) >= self.limit:
            return max(1, int(ttl))
        return None

    async def add(self, subject: str) -> int:
        """Counts one; the count so far in this window."""
        key = self.key(subject)
        async with self._redis.pipeline(transaction=True) as pipe:
            # SET NX opens the window with its expiry; INCR keeps that expiry.
            pipe.set(key, 0, ex=self.window, nx=True)
            pipe.incr(key)
            _, count = await pipe.execute()
        return int(count)

    async def clear(self, subject: str) -> None:
        await self._redis.delete(self.key(subject))


def exhausted(what: str, retry_after: int, reason: str) -> ResourceExhausted:
    return ResourceExhausted(
        f"{what}; retry later (in {retry_after} seconds)",
        reason=reason,
        metadata={"retry_after_seconds": str(retry_after)},
    )


class LoginThrottle:
    def __init__(self, redis: Redis, max_failures: int, window: int) -> None:
        self._failures = Counter(redis, "auth:login-failures:", max_failures, window)

    @classmethod
    def from_settings(cls, redis: Redis, cfg: Settings) -> LoginThrottle:
        return cls(redis, cfg.login_max_failures, cfg.login_failure_window)

    async def check(self, email: str) -> None:
        """Refuses the attempt while the account is throttled."""
        retry_after = await self._failures.over(email.lower())
        if retry_after is not None:
            raise exhausted("too many failed sign-in attempts", retry_after, "LOGIN_THROTTLED")

    async def failed(self, email: str) -> int:
        """Counts a failure; returns the failures so far in this window."""
        return await self._failures.add(email.lower())

    async def succeeded(self, email: str) -> None:
        await self._failures.clear(email.lower())


# A service name may see this many times an address's failures (from many addresses)
# before it is throttled: a stranger guessing for 'saga' must not lock saga out at once.
NAME_LIMIT_FACTOR = 4


class ServiceTokenThrottle:
    def __init__(self, redis: Redis, max_failures: int, window: int) -> None:
        self._by_address = Counter(redis, "auth:service-token-failures:addr:", max_failures, window)
        self._by_name = Counter(
            redis, "auth:service-token-failures:name:", max_failures * NAME_LIMIT_FACTOR, window
        )

    @classmethod
    def from_settings(cls, redis: Redis, cfg: Settings) -> ServiceTokenThrottle:
        return cls(redis, cfg.login_max_failures, cfg.login_failure_window)

    async def check(self, service_name: str, address: str) -> None:
        for counter, subject in ((self._by_address, address), (self._by_name, service_name)):
            retry_after = await counter.over(subject)
            if retry_after is not None:
                raise exhausted(
                    "too many failed service token requests", retry_after, "SERVICE_TOKEN_THROTTLED"
                )

    async def failed(self, service_name: str, address: str) -> int:
        """Counts a failure for both; the address's failures so far."""
        await self._by_name.add(service_name)
        return await self._by_address.add(address)


class SignInRate:
    def __init__(self, redis: Redis, per_minute: int) -> None:
        self._calls = Counter(redis, "auth:sign-in-rate:", per_minute, 60)

    @classmethod
    def from_settings(cls, redis: Redis, cfg: Settings) -> SignInRate:
        return cls(redis, cfg.auth_rate_limit_per_minute)

    async def admit(self, address: str) -> None:
        """Counts the call; refuses it once the address has used its calls this minute."""
        count = await self._calls.add(address)
        if count > self._calls.limit:
            retry_after = await self._calls.over(address) or 1
            raise exhausted(
                "too many sign-in and sign-up requests from this address",
                retry_after,
                "RATE_LIMITED",
            )
