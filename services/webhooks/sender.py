"""One HTTP attempt at a message: to the address the guard checked, no redirects, a
deadline on the whole exchange, and at most a few bytes of the answer read."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from services.runtime import clock
from services.webhooks.destinations import Allowed, Refused, Target, check

USER_AGENT = "tablemesh-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    """What one attempt got."""

    status: int = 0  # the HTTP status; 0 without an answer
    error: str = ""  # why it failed, when it did
    latency_ms: int = 0
    body: str = ""  # the start of the answer's body
    retry_after: str | None = None  # the Retry-After header, as sent

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and not self.error


def _failure(status: int) -> str:
    if 300 <= status < 400:
        return f"answered {status} (a redirect; redirects are not followed)"
    return "" if 200 <= status < 300 else f"answered {status}"


class Sender:
    def __init__(self, allowed: Allowed, timeout: float, max_bytes: int) -> None:
        self.allowed = allowed
        self.timeout = timeout
        self.max_bytes = max_bytes
        # trust_env=False: no proxy from the environment, which would make the checked
        # address meaningless; redirects are failures, never followed.
        self.client = httpx.AsyncClient(
            follow_redirects=False, trust_env=False, timeout=timeout, verify=True
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def send(self, url: str, headers: dict[str, str], body: str) -> Outcome:
        started = clock.monotonic()

        def took() -> int:
            return int((clock.monotonic() - started) * 1000)

        try:
            target = await check(url, self.allowed)
        except Refused as exc:
            return Outcome(error=f"refused: {exc}", latency_ms=took())
        sent = {
            **headers,
            "host": target.host_header,
            "content-type": "application/json",
            "user-agent": USER_AGENT,
        }
        try:
            async with asyncio.timeout(self.timeout):
                status, head, retry_after = await self._exchange(target, sent, body)
        except TimeoutError:
            return Outcome(error=f"no answer within {self.timeout:g} s", latency_ms=took())
        except httpx.HTTPError as exc:
            return Outcome(error=f"{type(exc).__name__}: {exc}"[:300], latency_ms=took())
        return Outcome(status, _failure(status), took(), head, retry_after)

    async def _exchange(
        self, target: Target, headers: dict[str, str], body: str
    ) -> tuple[int, str, str | None]:
        request = self.client.build_request(
            "POST",
            target.address_url,
            headers=headers,
            content=body.encode(),
            # TLS names (SNI) and checks the certificate of the host, not the address.
            extensions={"sni_hostname": target.host},
        )
        response = await self.client.send(request, stream=True)
        try:
            head = b""
            async for chunk in response.aiter_raw():
                head += chunk
                if len(head) >= self.max_bytes:
                    break
            text = head[: self.max_bytes].decode("utf-8", "replace")
            return response.status_code, text, response.headers.get("retry-after")
        finally:
            await response.aclose()
