"""The keys derived from the one service secret (TABLEMESH_SERVICE_SECRET).

Each use gets its own key, derived with HKDF-SHA256 under a distinct label, so a key that
leaks from one use (a page token's MAC key, the key a mesh service presents to get a
service token) tells nothing about the others or the secret itself.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from services.runtime.config import settings

KEY_LENGTH = 32

SERVICE_AUTH = "service-auth"
PAGE_TOKENS = "page-tokens"
SIGNING_KEY_ENCRYPTION = "signing-key-encryption"
WEBHOOK_SECRET_ENCRYPTION = "webhook-secret-encryption"


def derive(secret: str, purpose: str) -> bytes:
    """The KEY_LENGTH-byte key for one purpose."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_LENGTH,
        salt=None,
        info=f"tablemesh/{purpose}/v1".encode(),
    )
    return hkdf.derive(secret.encode())


def root_secret() -> str:
    return settings().service_secret.get_secret_value()


def service_auth_key(secret: str | None = None) -> str:
    """What a mesh service presents to IssueServiceToken (hex, as the field is text)."""
    return derive(secret or root_secret(), SERVICE_AUTH).hex()


def page_token_key() -> bytes:
    return derive(root_secret(), PAGE_TOKENS)


def signing_key_encryption_key(secret: str | None = None) -> bytes:
    return derive(secret or root_secret(), SIGNING_KEY_ENCRYPTION)


def webhook_secret_encryption_key(secret: str | None = None) -> bytes:
    """The key the webhooks service encrypts its endpoints' signing secrets under."""
    return derive(secret or root_secret(), WEBHOOK_SECRET_ENCRYPTION)
