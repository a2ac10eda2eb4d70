"""Closed-loop load: N concurrent clients for a fixed time, latency of every request.

The HTTP client is a minimal keep-alive HTTP/1.1 client on raw asyncio streams, so the
load generator costs as little CPU as possible and is the same for Envoy and FastAPI.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")


async def run(
    make_client: Callable[[], Awaitable[Callable[[], Awaitable[bool]]]],
    concurrency: int,
    seconds: float,
) -> Result:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        call = await make_client()
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            ok = await call()
            latencies.append((time.perf_counter() - start) * 1000)
            errors += 0 if ok else 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(len(latencies), errors, time.perf_counter() - began, latencies)


def http_get(
    host: str, port: int, path: str, token: str
) -> Callable[[], Awaitable[Callable[[], Awaitable[bool]]]]:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {token}\r\nConnection: keep-alive\r\n\r\n"
    ).encode()

    async def make() -> Callable[[], Awaitable[bool]]:
        reader, writer = await asyncio.open_connection(host, port)

        async def call() -> bool:
            writer.write(request)
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            return b" 200 " in status

        return call

    return make
