"""A TCP proxy in front of a real Redis that can make subscriber connections fall silent:
the connection stays open, but nothing Redis sends on it arrives any more (a network path
that died without a reset). Other connections keep working."""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from urllib.parse import urlsplit


class FreezingProxy:
    def __init__(self, redis_url: str) -> None:
        parts = urlsplit(redis_url)
        self._unix = parts.path if parts.scheme == "unix" else None
        self._target = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self._db = parts.path.lstrip("/") if parts.scheme != "unix" else ""
        self._server: asyncio.Server | None = None
        self._subscribers: list[asyncio.Event] = []
        self._frozen = False
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{port}/{self._db}"

    def freeze_subscribers(self) -> None:
        """From now on, nothing reaches a client that has sent SUBSCRIBE."""
        self._frozen = True
        for frozen in self._subscribers:
            frozen.set()

    async def __aenter__(self) -> FreezingProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self._unix:
            server_r, server_w = await asyncio.open_unix_connection(self._unix)
        else:
            server_r, server_w = await asyncio.open_connection(*self._target)
        frozen = asyncio.Event()
        up = asyncio.create_task(self._up(client_r, server_w, frozen))
        down = asyncio.create_task(self._down(server_r, client_w, frozen))
        self._tasks |= {up, down}
        await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        for writer in (client_w, server_w):
            writer.close()

    async def _up(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, frozen: asyncio.Event
    ) -> None:
        while data := await reader.read(65536):
            if b"SUBSCRIBE" in data.upper():
                self._subscribers.append(frozen)
                if self._frozen:
                    frozen.set()
            writer.write(data)
            await writer.drain()

    @staticmethod
    async def _down(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, frozen: asyncio.Event
    ) -> None:
        while data := await reader.read(65536):
            if frozen.is_set():
                continue  # swallowed: the client hears nothing
            writer.write(data)
            await writer.drain()
