"""AIP-158 pagination: capped page sizes and opaque, tamper-evident keyset page tokens.

A page token carries the sort key of the last row returned plus a fingerprint of the
request's filters; it is signed with a key derived from the service secret, so a client
cannot forge one or reuse it with other filters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from services.runtime.errors import invalid
from services.runtime.secret_keys import page_token_key

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
T = TypeVar("T")
# A store's page: (size, the key after which to start or None) -> (rows, the last key or None).
Fetch = Callable[[int, list[Any] | None], Awaitable[tuple[list[T], list[Any] | None]]]


def page_size(requested: int, *, default: int = DEFAULT_PAGE_SIZE, cap: int = MAX_PAGE_SIZE) -> int:
    if requested < 0:
        raise invalid("page_size", "must not be negative")
    if requested > cap:
        raise invalid("page_size", f"must be at most {cap}, got {requested}")
    return requested or default


def _mac(payload: bytes) -> bytes:
    return hmac.new(page_token_key(), payload, hashlib.sha256).digest()[:16]


def fingerprint(**filters: Any) -> str:
    """A short digest of the filters a token was issued for."""
    raw = json.dumps(filters, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def encode_token(last_key: list[Any], filters_fp: str) -> str:
    payload = json.dumps({"k": last_key, "f": filters_fp}, default=str).encode()
    return base64.urlsafe_b64encode(payload + _mac(payload)).decode().rstrip("=")


def decode_token(token: str, filters_fp: str) -> list[Any] | None:
    """The last row's sort key, or None for the first page."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload, mac = raw[:-16], raw[-16:]
        if not hmac.compare_digest(mac, _mac(payload)):
            raise ValueError("bad signature")
        data = json.loads(payload)
    except (ValueError, TypeError) as exc:
        raise invalid("page_token", "is not a token this service issued") from exc
    if data.get("f") != filters_fp:
        raise invalid("page_token", "was issued for different filters or ordering")
    key = data.get("k")
    if not isinstance(key, list):
        raise invalid("page_token", "is not a token this service issued")
    return key


async def paged(
    fetch: Fetch[T], requested_size: int, token: str, **filters: Any
) -> tuple[list[T], str]:
    """One page of a List method over a keyset store: the page size checked, the token read
    back against the filters it was issued for, and the next page's token ("" at the end)."""
    size = page_size(requested_size)
    fp = fingerprint(**filters)
    found, last = await fetch(size, decode_token(token, fp))
    return found, encode_token(last, fp) if last else ""
