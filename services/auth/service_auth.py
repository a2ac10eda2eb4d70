"""IssueServiceToken: a service token for a mesh service that knows the service-auth key.

The key is derived from the service secret (services.runtime.secret_keys), so the secret
itself never travels. Wrong keys are throttled per caller address and per service name
and logged (name and address, never what was presented).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from services.auth import audit_events
from services.auth.store import Credential, credential_by_id
from services.auth.throttle import ServiceTokenThrottle
from services.auth.tokens import AccessToken, AccessTokens, Principal
from services.runtime import logs
from services.runtime.errors import PermissionDenied, Violations
from services.runtime.event_spool import EventSpool
from services.runtime.secret_keys import service_auth_key
from services.runtime.validation import check_uuid

Admit = Callable[[Credential], Awaitable[Principal]]
SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
log = logs.get("service-auth")


class ServiceAuth:
    def __init__(
        self,
        engine: AsyncEngine,
        access: AccessTokens,
        throttle: ServiceTokenThrottle,
        secret: str,
        admit: Admit,
        spool: EventSpool | None = None,
    ) -> None:
        self._engine = engine
        # Issued and refused tokens are announced through it (the audit log records them).
        self._spool = spool
        self._access = access
        # Sign-in's own check of an account (active in users, its role now there).
        self._admit = admit
        self._throttle = throttle
        self._key = service_auth_key(secret).encode()

    async def issue(
        self,
        service_name: str,
        presented: str,
        tenant_id: str,
        address: str,
        on_behalf_of: str = "",
    ) -> AccessToken:
        v = Violations()
        if not SERVICE_NAME.match(service_name):
            v.add("service_name", "must be a lower-case service name like 'saga'")
        if not presented:
            v.add("service_secret", "is required")
        tenant_id = check_uuid(v, "tenant_id", tenant_id)
        if on_behalf_of:
            on_behalf_of = check_uuid(v, "on_behalf_of_user_id", on_behalf_of)
        v.raise_if_any()
        await self._throttle.check(service_name, address)
        # Constant-time comparison: response timing must not reveal how much matched.
        if not hmac.compare_digest(presented.encode(), self._key):
            failures = await self._throttle.failed(service_name, address)
            log.warning(
                "refused a service token: wrong service secret",
                service_name=service_name,
                address=address,
                failures=failures,
            )
            self._announce("refused", service_name, tenant_id, on_behalf_of, "BAD_SERVICE_SECRET")
            raise PermissionDenied("the service secret is not correct", reason="BAD_SERVICE_SECRET")
        if not on_behalf_of:
            self._announce("issued", service_name, tenant_id, "")
            return await self._access.service_token(service_name, tenant_id)
        async with self._engine.connect() as conn:
            user = await credential_by_id(conn, on_behalf_of)
        if user is None or user.tenant_id != tenant_id:
            self._announce("refused", service_name, tenant_id, on_behalf_of, "USER_NOT_ACTIVE")
            raise PermissionDenied(
                "that user is not an active user of the tenant", reason="USER_NOT_ACTIVE"
            )
        try:
            who = await self._admit(user)
        except PermissionDenied as refused:
            self._announce("refused", service_name, tenant_id, on_behalf_of, refused.reason)
            raise
        log.info("issued a delegated token", service_name=service_name, user_id=user.user_id)
        self._announce("issued", service_name, tenant_id, on_behalf_of)
        return await self._access.sign(who, acting_service=service_name)

    def _announce(
        self, what: str, service: str, tenant_id: str, on_behalf_of: str, reason: str = ""
    ) -> None:
        """service_token.issued / .refused, through the spool: a token changes no row."""
        if self._spool is not None:
            self._spool.add(
                audit_events.service_token(
                    f"service_token.{what}", tenant_id, service, on_behalf_of, reason
                )
            )
