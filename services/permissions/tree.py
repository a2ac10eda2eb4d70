"""Resource parents and lookups, as plain Python: services place a base inside its
workspace (SetResourceParent), and users and services ask which resources of a type a
subject may act on (LookupResources). The decisions themselves are in domain.py."""

from __future__ import annotations

from redis.asyncio import Redis

from services.permissions.domain import privileged
from services.permissions.lookup import LookupStore
from services.permissions.model import (
    RESOURCE_TYPES,
    check_action,
    check_parent,
    check_resource,
    check_subject,
)
from services.permissions.parents import ParentStore
from services.runtime import access_epoch
from services.runtime.clock import now
from services.runtime.errors import PermissionDenied, Violations
from services.runtime.identity import Caller

# The most resources one lookup answers (the proto says so); more sets `truncated`.
MAX_LOOKUP = 1000


class ResourceTree:
    def __init__(
        self, parents: ParentStore, lookups: LookupStore, redis: Redis, *, limit: int = MAX_LOOKUP
    ) -> None:
        self.parents = parents
        self.lookups = lookups
        self.redis = redis
        self.limit = limit

    async def set_parent(self, caller: Caller, resource: str, parent: str) -> str:
        """Places the resource inside the parent ("" takes it out); answers its previous
        parent. Repeating a call changes nothing and answers the parent it set."""
        # Internal (the gateway never routes it): who may call it comes before what was sent,
        # and a user's token that reaches the service anyway is refused here too.
        if not caller.is_service:
            raise PermissionDenied(
                "only mesh services may place a resource inside another",
                reason="SERVICE_REQUIRED",
            )
        v = Violations()
        check_resource(v, "resource", resource)
        check_parent(v, resource, parent)
        v.raise_if_any()
        tenant = caller.tenant_id
        if parent:
            previous = await self.parents.set(tenant, resource, parent, caller.user_id, now())
        else:
            previous = await self.parents.clear(tenant, resource)
        if previous != parent:  # roles on the old and new parent changed hands
            await access_epoch.bump(self.redis, tenant)
        return previous

    async def lookup(
        self, caller: Caller, subject: str, resource_type: str, action: str
    ) -> tuple[list[str], bool]:
        """The resources of the type the subject may act on (at most `limit`), and whether
        there were more. Only what the entries say: no tenant-admin rule."""
        v = Violations()
        check_subject(v, "subject", subject)
        if not resource_type:
            v.add("resource_type", "is required")
        elif resource_type not in RESOURCE_TYPES:
            v.add("resource_type", f"must be one of {', '.join(RESOURCE_TYPES)}")
        check_action(v, "action", action)
        v.raise_if_any()
        if subject != caller.user_id and not privileged(caller):
            raise PermissionDenied(
                "only admins and services may look up other users' resources",
                reason="ADMIN_REQUIRED",
            )
        return await self.lookups.resources(
            caller.tenant_id, subject, resource_type, action, self.limit
        )
