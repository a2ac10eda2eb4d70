"""HTTP to Airtable's REST API: bearer token, a per-base rate limit, 429 back-off.

Airtable allows 5 requests per second per base and answers 429 beyond it; this client
spaces requests to each base at settings().airtable_requests_per_second. Given the
service's Redis, the pace is shared by every worker process (see pacing.py); without it, or
while Redis does not answer, each process keeps its own. On a 429 it waits (Retry-After when
given, else exponential back-off, capped) and tries again. Airtable's errors become domain
errors.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from redis.asyncio import Redis

from services.airtable.pacing import RateLimiter, SharedRateLimiter
from services.runtime import logs
from services.runtime.errors import (
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    Unavailable,
)

log = logs.get("airtable.http")


def _message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
    except ValueError:
        return response.text[:200]
    if isinstance(error, dict):
        return f"{error.get('type', '')}: {error.get('message', '')}".strip(": ")
    return str(error)


def error_for(response: httpx.Response, what: str) -> DomainError:
    message = _message(response)
    status = response.status_code
    if status in (403, 404):
        # Airtable answers 403 for a base or table the token cannot see: not found to us.
        return NotFound(f"{what} not found", reason="NOT_FOUND")
    if status == 401:
        return FailedPrecondition(
            "Airtable refused the token; check TABLEMESH_AIRTABLE_TOKEN", reason="AIRTABLE_AUTH"
        )
    if status in (400, 422):
        return InvalidArgument(
            f"Airtable refused the request: {message}", reason="AIRTABLE_INVALID"
        )
    if status == 429:
        return ResourceExhausted(
            "Airtable is rate limiting; try again later", reason="RATE_LIMITED"
        )
    return Unavailable(f"Airtable answered {status}: {message}", reason="AIRTABLE_UNAVAILABLE")


class AirtableHttp:
    def __init__(
        self,
        api_url: str,
        token: str,
        requests_per_second: float,
        *,
        redis: Redis | None = None,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        retries: int = 6,
        timeout: float = 20.0,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=api_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )
        # The shared pace when Redis is given: several workers each pacing on their own
        # would together send a multiple of Airtable's per-base limit.
        self.limiter: RateLimiter | SharedRateLimiter = (
            SharedRateLimiter(redis, requests_per_second)
            if redis is not None
            else RateLimiter(requests_per_second)
        )
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.retries = retries
        # How many 429s were answered by waiting (a figure for tests and logs).
        self.throttled = 0

    async def close(self) -> None:
        await self._client.aclose()

    def _delay(self, response: httpx.Response, attempt: int) -> float:
        header = response.headers.get("retry-after")
        if header:
            try:
                return min(float(header), self.max_backoff)
            except ValueError:
                pass
        return float(min(self.backoff * 2**attempt, self.max_backoff))

    async def call(
        self,
        method: str,
        path: str,
        *,
        base_id: str = "",
        what: str = "resource",
        params: Any = None,
        body: Any = None,
    ) -> Any:
        """The decoded JSON answer; retries 429 always and 5xx for GETs only."""
        for attempt in range(self.retries + 1):
            await self.limiter.wait(base_id)
            try:
                response = await self._client.request(method, path, params=params, json=body)
            except httpx.HTTPError as exc:
                if method != "GET" or attempt == self.retries:
                    raise Unavailable(
                        f"Airtable could not be reached: {type(exc).__name__}",
                        reason="AIRTABLE_UNAVAILABLE",
                    ) from exc
                await asyncio.sleep(min(self.backoff * 2**attempt, self.max_backoff))
                continue
            retry = response.status_code == 429 or (
                method == "GET" and response.status_code in (502, 503, 504)
            )
            if retry and attempt < self.retries:
                delay = self._delay(response, attempt)
                self.throttled += response.status_code == 429
                log.info("airtable back-off", status=response.status_code, delay=delay)
                await asyncio.sleep(delay)
                continue
            if response.is_success:
                return response.json()
            raise error_for(response, what)
        raise AssertionError("unreachable")
