"""A tenant's webhook receiver for the tests: a real HTTP server on 127.0.0.1 (a thread),
answering from a script of statuses and keeping every request it got."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    port: int = 0
    # Statuses to answer in turn; the last one is repeated. Extra headers per status.
    script: list[int] = field(default_factory=lambda: [200])
    headers: dict[int, dict[str, str]] = field(default_factory=dict)
    # Set to make the receiver hold each request until it is cleared (a slow receiver).
    hold: threading.Event | None = None
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def next_status(self) -> int:
        with self.lock:
            done = len(self.received)
        return self.script[min(done - 1, len(self.script) - 1)]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length).decode()
            with receiver.lock:
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.received.append(Received(self.path, headers, body))
            if receiver.hold is not None:
                receiver.hold.wait(30)
            status = receiver.next_status()
            self.send_response(status)
            for name, value in receiver.headers.get(status, {}).items():
                self.send_header(name, value)
            reply = f"answer {status} " + "x" * 10_000
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply.encode())

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    return Handler


@contextmanager
def receiving(receiver: Receiver | None = None) -> Iterator[Receiver]:
    receiver = receiver or Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        if receiver.hold is not None:
            receiver.hold.set()
        server.shutdown()
        server.server_close()
