"""IssueServiceToken: a service token for a mesh service that knows the service-auth key.

The key is derived from the service secret (services.runtime.secret_keys), so the secret
itself never travels. Wrong keys are throttled per caller address and per service name
and logged (name and address, never what was presented).
"""

from __future__ import annotations

import hmac
import re

from services.auth.throttle import ServiceTokenThrottle
from services.auth.tokens import AccessToken, AccessTokens
from services.runtime import logs
from services.runtime.errors import PermissionDenied, Violations
from services.runtime.secret_keys import service_auth_key
from services.runtime.validation import check_uuid

SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
log = logs.get("service-auth")


class ServiceAuth:
    def __init__(self, access: AccessTokens, throttle: ServiceTokenThrottle, secret: str) -> None:
        self._access = access
        self._throttle = throttle
        self._key = service_auth_key(secret).encode()

    async def issue(
        self, service_name: str, presented: str, tenant_id: str, address: str
    ) -> AccessToken:
        v = Violations()
        if not SERVICE_NAME.match(service_name):
            v.add("service_name", "must be a lower-case service name like 'saga'")
        if not presented:
            v.add("service_secret", "is required")
        tenant_id = check_uuid(v, "tenant_id", tenant_id)
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
            raise PermissionDenied("the service secret is not correct", reason="BAD_SERVICE_SECRET")
        return await self._access.service_token(service_name, tenant_id)
