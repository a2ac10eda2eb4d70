"""Endpoint secrets and Standard Webhooks signatures.

A secret is "whsec_" and 32 random bytes in base64, as the specification (and its
reference libraries, which sign here) expect. Secrets are kept encrypted (AES-GCM under a
key derived from the mesh's service secret, the endpoint's id as associated data, so a
ciphertext copied to another endpoint does not decrypt) and shown only in the answer
that made them.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"
SECRET_BYTES = 32
NONCE_BYTES = 12


def new_secret() -> str:
    return PREFIX + base64.b64encode(os.urandom(SECRET_BYTES)).decode()


@dataclass(frozen=True)
class Sealer:
    """Encrypts and decrypts endpoint secrets."""

    key: bytes

    def seal(self, endpoint_id: str, secret: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self.key).encrypt(nonce, secret.encode(), endpoint_id.encode())

    def open(self, endpoint_id: str, sealed: bytes) -> str:
        nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
        return AESGCM(self.key).decrypt(nonce, body, endpoint_id.encode()).decode()


def signature(secrets: list[str], message_id: str, sent_at: datetime, body: str) -> str:
    """The webhook-signature header: one "v1,<base64>" per secret, space-separated (the
    new secret first, then the old one while a rotation's overlap lasts)."""
    return " ".join(Webhook(s).sign(message_id, sent_at, body) for s in secrets)


def headers(secrets: list[str], message_id: str, sent_at: datetime, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature(secrets, message_id, sent_at, body),
    }
