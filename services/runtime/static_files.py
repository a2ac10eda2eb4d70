"""Files served as google.api.HttpBody through the gateway's transcoder: the API reference
(platform, /docs) and the web console (console, /).

The transcoder buffers a unary response whole, up to its connection buffer, so a file goes
out as a server stream of chunks; its content type comes from its name.
"""

from __future__ import annotations

import mimetypes
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import grpc
from google.api import httpbody_pb2

CHUNK_BYTES = 256 * 1024
# What browsers must be told exactly (the platform's Python may map these differently).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}


def content_type(name: str) -> str:
    """The Content-Type a browser expects for a file of this name."""
    suffix = name[name.rfind(".") :].lower() if "." in name.rsplit("/", 1)[-1] else ""
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


@dataclass(frozen=True)
class Asset:
    """One file's bytes, with the content type and the response headers it is sent with."""

    content_type: str
    data: bytes
    # Sent as gRPC initial metadata, which the transcoder passes on as HTTP headers.
    headers: tuple[tuple[str, str], ...] = ()

    def chunks(self) -> Iterator[bytes]:
        # An empty file is still one (empty) message, so the reply has a content type.
        for start in range(0, max(len(self.data), 1), CHUNK_BYTES):
            yield self.data[start : start + CHUNK_BYTES]


async def stream(
    asset: Asset | None, context: grpc.aio.ServicerContext, missing: str
) -> AsyncIterator[httpbody_pb2.HttpBody]:
    """The asset as HttpBody chunks, or NOT_FOUND with the message `missing`."""
    if asset is None:
        await context.abort(grpc.StatusCode.NOT_FOUND, missing)
        return
    if asset.headers:
        await context.send_initial_metadata(asset.headers)
    for chunk in asset.chunks():
        yield httpbody_pb2.HttpBody(content_type=asset.content_type, data=chunk)
