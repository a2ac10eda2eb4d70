"""Signed tree heads: the log's size and root, signed with the mesh's audit key (Ed25519).

The signed bytes are RFC 6962's TreeHeadSignature (section 3.5): version 0, signature type
1 (tree_hash), the time in milliseconds and the tree size as 8-byte big-endian integers,
then the 32-byte root. The key is TABLEMESH_AUDIT_SIGNING_KEY (32 random bytes, base64);
it has no default, and is never logged.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VARIABLE = "TABLEMESH_AUDIT_SIGNING_KEY"
MISSING = (
    f"{VARIABLE} is not set; set it to 32 random bytes in base64 (for example "
    "`openssl rand -base64 32`), or start the mesh with `tablemesh up`, which keeps one in "
    "var/audit-signing-key"
)


class KeyError_(ValueError):
    """The configured key is missing or not a key; the message never holds the value."""


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    root_hash: bytes
    signed_at: datetime
    signature: bytes
    public_key: bytes


def load_key(value: str | None) -> Ed25519PrivateKey:
    if not value:
        raise KeyError_(MISSING)
    try:
        raw = base64.b64decode(value.strip() + "=" * (-len(value.strip()) % 4), altchars=b"-_")
    except (binascii.Error, ValueError) as exc:
        raise KeyError_(f"{VARIABLE} is not base64") from exc
    if len(raw) != 32:
        raise KeyError_(f"{VARIABLE} must be 32 bytes in base64, got {len(raw)} bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def new_key_text() -> str:
    """A fresh key, as the variable holds it."""
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def head_bytes(tree_size: int, root_hash: bytes, signed_at: datetime) -> bytes:
    millis = int(signed_at.astimezone(UTC).timestamp() * 1000)
    return struct.pack(">BBQQ", 0, 1, millis, tree_size) + root_hash


def sign(key: Ed25519PrivateKey, tree_size: int, root_hash: bytes, at: datetime) -> TreeHead:
    # Milliseconds are what is signed: the stored time is cut to them too.
    at = at.replace(microsecond=at.microsecond // 1000 * 1000)
    signature = key.sign(head_bytes(tree_size, root_hash, at))
    return TreeHead(tree_size, root_hash, at, signature, public_bytes(key))


def valid(public_key: bytes, head: TreeHead) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            head.signature, head_bytes(head.tree_size, head.root_hash, head.signed_at)
        )
    except (InvalidSignature, ValueError):
        return False
    return True
