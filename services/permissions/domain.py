"""What the permissions service decides, as plain Python.

Tenant rule: every lookup is scoped to the caller's tenant, so a question about another
tenant's resource finds no entries and is answered "not allowed"; another tenant's entry
ids are unknown (revoking one is a no-op, as for any unknown id).

Every committed change that can change a decision bumps the tenant's permission epoch
(services.runtime.access_epoch), so services that cache decisions drop them.
"""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

from services.permissions.model import (
    ALL_ACTIONS,
    RESOURCE_TYPES,
    Decision,
    Permission,
    check_action,
    check_grant,
    check_resource,
    check_subject,
    decide,
)
from services.permissions.store import PermissionStore
from services.runtime import access_epoch, pagination
from services.runtime.clock import now
from services.runtime.errors import PermissionDenied, Violations, invalid
from services.runtime.identity import Caller
from services.runtime.validation import check_uuid

MAX_BATCH = 100
MAX_REQUEST_ID = 200


def privileged(caller: Caller) -> bool:
    return caller.is_admin or caller.is_service


class Permissions:
    def __init__(self, store: PermissionStore, redis: Redis) -> None:
        self.store = store
        self.redis = redis

    async def _decide(self, caller: Caller, subject: str, resource: str, action: str) -> Decision:
        # The subject's entries on the resource and on its parent (a base's workspace).
        found = await self.store.live_entries(caller.tenant_id, subject, resource)
        decision = decide(found, resource, action)
        # A tenant admin may act on the tenant's resources; a resource is known to be the
        # tenant's once it has had entries here or a service placed it in or under another
        # (ids alone say nothing about their tenant).
        if (
            not decision.allowed
            and subject == caller.user_id
            and caller.is_admin
            and not any(e.effect == "deny" and e.action in (action, ALL_ACTIONS) for e in found)
            and await self.store.ever_held(caller.tenant_id, resource)
        ):
            return Decision(True, "tenant admins may act on every resource of their tenant")
        return decision

    async def check(self, caller: Caller, subject: str, resource: str, action: str) -> Decision:
        v = Violations()
        check_subject(v, "subject", subject)
        check_resource(v, "resource", resource)
        check_action(v, "action", action)
        v.raise_if_any()
        return await self._answer(caller, subject, resource, action)

    async def _answer(self, caller: Caller, subject: str, resource: str, action: str) -> Decision:
        if subject != caller.user_id and not privileged(caller):
            raise PermissionDenied(
                "only admins and services may check other users' permissions",
                reason="ADMIN_REQUIRED",
            )
        return await self._decide(caller, subject, resource, action)

    async def batch_check(
        self, caller: Caller, checks: list[tuple[str, str, str]]
    ) -> list[Decision]:
        v = Violations()
        if not checks:
            v.add("checks", "is required")
        elif len(checks) > MAX_BATCH:
            v.add("checks", f"must hold at most {MAX_BATCH} checks, got {len(checks)}")
        for i, (subject, resource, action) in enumerate(checks[:MAX_BATCH]):
            check_subject(v, f"checks[{i}].subject", subject)
            check_resource(v, f"checks[{i}].resource", resource)
            check_action(v, f"checks[{i}].action", action)
        v.raise_if_any()
        return [await self._answer(caller, *one) for one in checks]

    async def _require_manager(self, caller: Caller, resource: str, role: str) -> None:
        """Tenant admins and services manage everything; owners and admins of a resource
        manage its entries, but only owners hand out or take away the owner role."""
        if privileged(caller):
            return
        held = await self._decide(caller, caller.user_id, resource, "admin")
        if not held.allowed:
            raise PermissionDenied(
                f"only owners and admins of {resource} may change its permissions",
                reason="RESOURCE_ADMIN_REQUIRED",
            )
        if role == "owner" and held.role != "owner":
            raise PermissionDenied(
                f"only owners of {resource} may grant or revoke the owner role",
                reason="OWNER_REQUIRED",
            )

    async def grant(
        self,
        caller: Caller,
        *,
        subject: str,
        resource: str,
        role: str,
        effect: str,
        action: str,
        request_id: str,
    ) -> Permission:
        effect = effect or "allow"
        v = Violations()
        check_grant(v, subject, resource, role, effect, action)
        if len(request_id) > MAX_REQUEST_ID:
            v.add("request_id", f"must be at most {MAX_REQUEST_ID} characters")
        v.raise_if_any()
        if request_id and (seen := await self.store.by_request(caller.tenant_id, request_id)):
            return seen
        await self._require_manager(caller, resource, role)
        stamp = now()
        entry = Permission(
            id=str(uuid.uuid4()),
            tenant_id=caller.tenant_id,
            subject=subject,
            resource=resource,
            role=role if effect == "allow" else "",
            effect=effect,
            action=action if effect == "deny" else "",
            granted_by=caller.user_id,
            created_at=stamp,
            updated_at=stamp,
        )
        granted = await self.store.grant(entry, request_id)
        await access_epoch.bump(self.redis, caller.tenant_id)
        return granted

    async def revoke(self, caller: Caller, permission_id: str) -> None:
        v = Violations()
        permission_id = check_uuid(v, "permission_id", permission_id)
        v.raise_if_any()
        entry = await self.store.get(caller.tenant_id, permission_id)
        if entry is None or entry.revoked_at is not None:
            return  # already gone: a repeated revoke (a compensation) succeeds
        await self._require_manager(caller, entry.resource, entry.role)
        await self.store.revoke(caller.tenant_id, permission_id, now())
        await access_epoch.bump(self.redis, caller.tenant_id)

    async def revoke_resource(self, caller: Caller, resource: str) -> int:
        v = Violations()
        check_resource(v, "resource", resource)
        v.raise_if_any()
        if not privileged(caller):
            held = await self._decide(caller, caller.user_id, resource, "delete")
            if not held.allowed:
                raise PermissionDenied(
                    f"only owners of {resource} may revoke every entry on it",
                    reason="OWNER_REQUIRED",
                )
        revoked = await self.store.revoke_resource(caller.tenant_id, resource, now())
        await access_epoch.bump(self.redis, caller.tenant_id)
        return revoked

    async def list_page(
        self,
        caller: Caller,
        *,
        page_size: int,
        page_token: str,
        subject: str,
        resource: str,
        resource_type: str,
    ) -> tuple[list[Permission], str]:
        v = Violations()
        size = 0
        try:
            size = pagination.page_size(page_size)
        except Exception as exc:  # noqa: BLE001 - collected with the rest
            v.items.extend(getattr(exc, "violations", []))
        if subject:
            check_subject(v, "subject", subject)
        if resource:
            check_resource(v, "resource", resource)
        if resource_type and resource_type not in RESOURCE_TYPES:
            v.add("resource_type", f"must be one of {', '.join(RESOURCE_TYPES)}")
        v.raise_if_any()
        if not privileged(caller) and subject != caller.user_id:
            if not resource:
                raise invalid(
                    "subject", "must be your own user id, unless resource names one you may read"
                )
            if not (await self._decide(caller, caller.user_id, resource, "read")).allowed:
                raise PermissionDenied(
                    f"you may not read the permissions of {resource}", reason="READ_DENIED"
                )
        fp = pagination.fingerprint(subject=subject, resource=resource, type=resource_type)
        found, last = await self.store.page(
            caller.tenant_id,
            subject=subject,
            resource=resource,
            resource_type=resource_type,
            size=size,
            after=pagination.decode_token(page_token, fp),
        )
        return found, pagination.encode_token(last, fp) if last else ""
