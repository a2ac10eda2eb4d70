"""Fixtures for the auth domain: a migrated schema, a cheap argon2 cost, a fake users service."""

from __future__ import annotations

import uuid

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.auth.app import Auth, build
from services.auth.profiles import NewProfile, ProfileStatus
from services.auth.sessions import Session
from services.runtime.config import Settings
from services.runtime.db import migrate
from services.runtime.errors import Unavailable
from services.runtime.identity import Caller, TokenVerifier


class FakeProfiles:
    """Stands in for the users service: remembers profiles, can be told to fail."""

    def __init__(self) -> None:
        self.profiles: dict[str, ProfileStatus] = {}
        self.created: list[NewProfile] = []
        self.logins: list[str] = []
        self.fail_create = False

    async def create(self, profile: NewProfile) -> None:
        self.created.append(profile)
        if self.fail_create:
            raise Unavailable("users is down", reason="USERS_UNAVAILABLE")
        self.profiles[profile.user_id] = ProfileStatus(True, True, profile.role)

    async def record_login(self, user_id: str, tenant_id: str) -> None:
        self.logins.append(user_id)

    async def status(self, user_id: str, tenant_id: str) -> ProfileStatus:
        return self.profiles.get(user_id, ProfileStatus(exists=False))


def auth_settings(**overrides: object) -> Settings:
    # The lowest argon2 cost keeps the suite fast; test_passwords checks the real cost.
    values: dict[str, object] = {
        "argon2_memory_kib": 64,
        "argon2_time_cost": 1,
        "login_max_failures": 3,
        "login_failure_window": 2,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


@pytest.fixture(scope="session")
def auth_schema(database_url: str) -> str:
    migrate("auth", database_url)
    return database_url


@pytest.fixture
def profiles() -> FakeProfiles:
    return FakeProfiles()


@pytest.fixture
def cfg() -> Settings:
    return auth_settings()


@pytest.fixture
def auth(
    auth_schema: str, engine: AsyncEngine, redis: Redis, cfg: Settings, profiles: FakeProfiles
) -> Auth:
    return build(engine, redis, cfg, lambda access: profiles)


@pytest.fixture
def verifier(auth: Auth, redis: Redis, cfg: Settings) -> TokenVerifier:
    return TokenVerifier(auth.keys.jwks, redis, cfg.jwt_issuer, cfg.jwt_audience)


async def sign_up(auth: Auth, email: str | None = None, password: str = "correct horse") -> Session:
    return await auth.signup.register(email or new_email(), password, "Ada", "Lovelace")


async def caller_of(verifier: TokenVerifier, session: Session) -> Caller:
    return await verifier.verify(session.access.token)
