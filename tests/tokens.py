"""Access tokens for tests that run services without the auth service: signed with a key
the test holds, with every claim the verifier requires (services.runtime.identity)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def access_token(key: Ed25519PrivateKey, kid: str, ttl: int = 300, **claims: Any) -> str:
    """An EdDSA access token for a member of a fresh tenant, `claims` overriding any."""
    now = int(time.time())
    standard = {
        "sub": str(uuid.uuid4()),
        "tenant_id": str(uuid.uuid4()),
        "role": "member",
        "email": "a@example.com",
        "iat": now,
        "exp": now + ttl,
        "jti": str(uuid.uuid4()),
        "iss": "tablemesh-auth",
        "aud": "tablemesh",
    }
    return jwt.encode({**standard, **claims}, key, algorithm="EdDSA", headers={"kid": kid})


def jwks(key: Ed25519PrivateKey, kid: str) -> dict[str, Any]:
    """The key set that verifies `access_token(key, kid)`."""
    jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**jwk, "kid": kid, "alg": "EdDSA", "use": "sig"}]}
