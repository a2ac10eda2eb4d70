"""Password hashing with argon2id, at the cost the settings name.

Hashing and verifying are deliberately slow (tens of milliseconds), so they run in a
worker thread and never stall the event loop serving other calls.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from services.runtime.config import Settings
from services.runtime.errors import Violations

MIN_LENGTH = 8
# argon2 would happily hash megabytes; a cap stops that being used to burn our CPU.
MAX_LENGTH = 1024


def check_password(violations: Violations, field: str, password: str) -> None:
    if len(password) < MIN_LENGTH:
        violations.add(field, f"must be at least {MIN_LENGTH} characters")
    elif len(password) > MAX_LENGTH:
        violations.add(field, f"must be at most {MAX_LENGTH} characters")


class Passwords:
    def __init__(self, cfg: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=cfg.argon2_time_cost,
            memory_cost=cfg.argon2_memory_kib,
            parallelism=cfg.argon2_parallelism,
            type=Type.ID,
        )
        # Verified against when the email is unknown, so that path costs the same time
        # as a wrong password and response times do not reveal which accounts exist.
        self._decoy = self._hasher.hash("decoy password, never matches")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when the password matches; a missing hash is checked against a decoy."""
        target = password_hash or self._decoy
        try:
            ok = await asyncio.to_thread(self._hasher.verify, target, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return bool(ok) and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other cost settings than today's."""
        return self._hasher.check_needs_rehash(password_hash)
