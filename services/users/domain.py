"""What the users service does, as plain Python: who may see and change which profile.

Tenant rule: a caller only ever sees its own tenant. A profile of another tenant is
reported as not found, exactly like an id that does not exist, so ids leak nothing.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from tablemesh.events.v1.events_pb2 import Event, UserAccessChanged

from services.runtime import events, pagination
from services.runtime.clock import now
from services.runtime.errors import FailedPrecondition, NotFound, PermissionDenied, Violations
from services.runtime.identity import Caller, TokenRevocation
from services.runtime.validation import check_email, check_required, check_uuid
from services.users.model import (
    ADMIN_EDITABLE,
    ORDER_COLUMNS,
    OUTPUT_ONLY,
    ROLES,
    SELF_EDITABLE,
    ListQuery,
    Profile,
    Stats,
)
from services.users.store import ProfileStore

PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
MAX_BATCH = 100
# Higher is more: a change to a lower rank is a demotion, which ends the user's tokens.
ROLE_RANK = {"viewer": 0, "member": 1, "admin": 2}


def check_field(violations: Violations, name: str, value: Any) -> None:
    """Validates one editable field's new value."""
    if name in ("first_name", "last_name"):
        check_required(violations, f"user.{name}", value, 100)
    elif name == "display_name" and len(value) > 200:
        violations.add("user.display_name", "must be at most 200 characters")
    elif name == "avatar_url" and value and not re.match(r"^https?://\S+$", value):
        violations.add("user.avatar_url", "must be an http or https URL")
    elif name == "bio" and len(value) > 1000:
        violations.add("user.bio", "must be at most 1000 characters")
    elif name == "phone" and value and not PHONE.match(value):
        violations.add("user.phone", "must be in E.164 form, for example +4915112345678")
    elif name == "role" and value not in ROLES:
        violations.add("user.role", f"must be one of {', '.join(ROLES)}")


def loses_access(before: Profile, changes: dict[str, Any]) -> bool:
    """Whether a change must end the user's existing access tokens at once."""
    if "is_active" in changes and before.is_active and not changes["is_active"]:
        return True
    new_role = changes.get("role", before.role)
    return ROLE_RANK.get(new_role, 0) < ROLE_RANK.get(before.role, 0)


def access_event(type_: str, profile: Profile, previous_role: str) -> Event:
    changed = UserAccessChanged(
        user_id=profile.id, email=profile.email, previous_role=previous_role, role=profile.role
    )
    return events.new_event(type_, profile.tenant_id, "users", user_access=changed)


def access_events(before: Profile, after: Profile) -> list[Event]:
    """What an update changed of the user's access: role, or active or not."""
    found = []
    if after.role != before.role:
        found.append(access_event("user.role_changed", after, before.role))
    if after.is_active != before.is_active:
        kind = "user.reactivated" if after.is_active else "user.deactivated"
        found.append(access_event(kind, after, before.role))
    return found


class Users:
    def __init__(self, store: ProfileStore, revocation: TokenRevocation) -> None:
        self.store = store
        self.revocation = revocation

    async def get(self, caller: Caller, user_id: str) -> Profile:
        v = Violations()
        user_id = check_uuid(v, "user_id", user_id)
        v.raise_if_any()
        profile = await self.store.get(user_id)
        if profile is None or profile.tenant_id != caller.tenant_id or profile.deleted_at:
            raise NotFound(f"user {user_id} not found", reason="USER_NOT_FOUND")
        return profile

    async def list_page(
        self,
        caller: Caller,
        *,
        page_size: int,
        page_token: str,
        role: str,
        is_active: bool | None,
        search: str,
        order_by: str,
    ) -> tuple[list[Profile], int, str]:
        v = Violations()
        size = 0
        try:
            size = pagination.page_size(page_size)
        except Exception as exc:  # noqa: BLE001 - collected with the rest
            v.items.extend(getattr(exc, "violations", []))
        if role and role not in ROLES:
            v.add("role", f"must be one of {', '.join(ROLES)}")
        if len(search) > 100:
            v.add("search", "must be at most 100 characters")
        name, _, direction = (order_by.strip() or "create_time").partition(" ")
        if name not in ORDER_COLUMNS or direction.strip().lower() not in ("", "asc", "desc"):
            v.add("order_by", f"must be one of {', '.join(ORDER_COLUMNS)}, optionally with ' desc'")
        v.raise_if_any()
        descending = direction.strip().lower() == "desc"
        fp = pagination.fingerprint(
            role=role, is_active=is_active, search=search, order=name, desc=descending
        )
        query = ListQuery(
            caller.tenant_id,
            size,
            role,
            is_active,
            search,
            ORDER_COLUMNS[name],
            descending,
            pagination.decode_token(page_token, fp),
        )
        found, total, last = await self.store.page(query)
        return found, total, pagination.encode_token(last, fp) if last else ""

    async def create(
        self, caller: Caller, fields: dict[str, Any], tenant_id: str, request_id: str
    ) -> Profile:
        # Profiles come with accounts, which auth makes (sign-up, an accepted invitation):
        # a person creating one would bind an address its owner never agreed to.
        if not caller.is_service:
            raise PermissionDenied(
                "users join by signing up or accepting an invitation "
                "(POST /api/v1/auth/invitations); profiles are not created directly",
                reason="SERVICE_REQUIRED",
            )
        if tenant_id and tenant_id != caller.tenant_id:
            raise PermissionDenied(
                "users can only be created in your own tenant", reason="TENANT_MISMATCH"
            )
        if request_id and (seen := await self.store.by_request_id(caller.tenant_id, request_id)):
            return seen
        v = Violations()
        email = check_email(v, "user.email", fields.get("email", ""))
        user_id = fields.get("id") or ""
        if user_id and not caller.is_service:
            v.add("user.id", "is assigned by the service")
        elif user_id:
            user_id = check_uuid(v, "user.id", user_id)
        role = fields.get("role") or "member"
        for name in SELF_EDITABLE:
            check_field(v, name, fields.get(name) or "")
        check_field(v, "role", role)
        v.raise_if_any()
        first, last = fields["first_name"].strip(), fields["last_name"].strip()
        stamp = now()
        profile = Profile(
            id=user_id or str(uuid.uuid4()),
            tenant_id=caller.tenant_id,
            email=email,
            first_name=first,
            last_name=last,
            display_name=(fields.get("display_name") or f"{first} {last}").strip(),
            role=role,
            avatar_url=fields.get("avatar_url", ""),
            bio=fields.get("bio", ""),
            phone=fields.get("phone", ""),
            preferences=fields.get("preferences") or {},
            email_verified=bool(fields.get("email_verified")),
            created_at=stamp,
            updated_at=stamp,
        )
        return await self.store.insert(profile, request_id or None)

    async def update(
        self, caller: Caller, user_id: str, fields: dict[str, Any], mask: list[str]
    ) -> Profile:
        target = await self.get(caller, user_id)
        is_self = target.id == caller.user_id
        if not (is_self or caller.is_admin or caller.is_service):
            raise PermissionDenied("only admins can change other users", reason="ADMIN_REQUIRED")
        paths = mask or [name for name, value in fields.items() if value not in ("", None, {})]
        v = Violations()
        for path in paths:
            if path in OUTPUT_ONLY:
                v.add("update_mask", f"{path} cannot be changed")
            elif path in ADMIN_EDITABLE and not (caller.is_admin or caller.is_service):
                v.add("update_mask", f"only admins can change {path}")
            elif path not in SELF_EDITABLE and path not in ADMIN_EDITABLE:
                v.add("update_mask", f"unknown field {path!r}")
            else:
                check_field(v, path, fields.get(path, ""))
        if not paths:
            v.add("update_mask", "names no field to change")
        v.raise_if_any()
        changes = {path: fields.get(path) for path in paths}
        for name in ("first_name", "last_name", "display_name"):
            if name in changes:
                changes[name] = str(changes[name]).strip()
        changes["updated_at"] = now()
        updated = await self.store.update(
            target.id, changes, lambda after: access_events(target, after)
        )
        assert updated is not None
        # After the change: a token refreshed in between still has the old grant.
        if loses_access(target, changes):
            await self.revocation.revoke_user(target.id)
        return updated

    async def delete(self, caller: Caller, user_id: str) -> Profile:
        caller.require_admin()
        target = await self.get(caller, user_id)
        if target.id == caller.user_id:
            raise FailedPrecondition("you cannot delete your own account", reason="SELF_DELETE")
        stamp = now()
        deleted = await self.store.update(
            target.id,
            {"deleted_at": stamp, "is_active": False, "updated_at": stamp},
            lambda after: [access_event("user.deleted", after, target.role)],
        )
        assert deleted is not None
        await self.revocation.revoke_user(target.id)
        return deleted

    async def purge(self, caller: Caller, user_id: str) -> None:
        if not caller.is_service:
            raise PermissionDenied("only mesh services can purge users", reason="SERVICE_REQUIRED")
        profile = await self.store.get(user_id)
        if profile is not None and profile.tenant_id == caller.tenant_id:
            await self.store.purge(user_id)

    async def record_login(self, caller: Caller, user_id: str) -> None:
        if not caller.is_service:
            raise PermissionDenied(
                "only mesh services can record logins", reason="SERVICE_REQUIRED"
            )
        target = await self.get(caller, user_id)
        await self.store.update(target.id, {"last_login_at": now()})

    async def batch_get(self, caller: Caller, ids: list[str]) -> list[Profile]:
        v = Violations()
        if not ids:
            v.add("user_ids", "is required")
        if len(ids) > MAX_BATCH:
            v.add("user_ids", f"must name at most {MAX_BATCH} users, got {len(ids)}")
        clean = [check_uuid(v, f"user_ids[{i}]", value) for i, value in enumerate(ids)]
        v.raise_if_any()
        found = {p.id: p for p in await self.store.get_many(caller.tenant_id, clean)}
        return [found[i] for i in clean if i in found]

    async def stats(self, caller: Caller) -> Stats:
        return await self.store.stats(caller.tenant_id, now())
