"""Wires the auth domain together from a database, Redis and settings.

`build` takes the users-service adapter as a factory, so tests can swap in a fake
profiles store and exercise the whole domain without gRPC.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.auth.apikeys import ApiKeys
from services.auth.invitations import Invitations
from services.auth.keys import KeyStore
from services.auth.passwords import Passwords
from services.auth.profiles import Profiles
from services.auth.refresh import RefreshTokens
from services.auth.service_auth import ServiceAuth
from services.auth.sessions import Sessions
from services.auth.signin import Signin
from services.auth.signup import Signup
from services.auth.store import outbox
from services.auth.throttle import LoginThrottle, ServiceTokenThrottle, SignInRate
from services.auth.tokens import AccessTokens
from services.runtime.config import Settings
from services.runtime.event_spool import EventSpool
from services.runtime.identity import TokenRevocation


@dataclass(frozen=True)
class Auth:
    keys: KeyStore
    access: AccessTokens
    service_auth: ServiceAuth
    sign_in_rate: SignInRate
    sessions: Sessions
    signup: Signup
    signin: Signin
    api_keys: ApiKeys
    invitations: Invitations
    # Announces attempts that changed nothing (failed sign-ins, service tokens); main runs it.
    spool: EventSpool


def build(
    engine: AsyncEngine,
    redis: Redis,
    cfg: Settings,
    profiles: Callable[[AccessTokens], Profiles],
) -> Auth:
    secret = cfg.service_secret.get_secret_value()
    keys = KeyStore(engine, cfg.jwt_algorithm, secret)
    access = AccessTokens(keys, cfg)
    passwords = Passwords(cfg)
    sessions = Sessions(access, RefreshTokens(engine, cfg.refresh_token_ttl), profiles(access))
    invitations = Invitations(engine)
    spool = EventSpool(engine, outbox)
    return Auth(
        keys=keys,
        access=access,
        service_auth=ServiceAuth(
            engine,
            access,
            ServiceTokenThrottle.from_settings(redis, cfg),
            secret,
            sessions.admit,
            spool,
        ),
        sign_in_rate=SignInRate.from_settings(redis, cfg),
        sessions=sessions,
        signup=Signup(engine, passwords, sessions, invitations),
        signin=Signin(
            engine,
            redis,
            passwords,
            sessions,
            LoginThrottle.from_settings(redis, cfg),
            TokenRevocation(redis, cfg.access_token_ttl),
            spool,
        ),
        api_keys=ApiKeys(engine, sessions),
        invitations=invitations,
        spool=spool,
    )
