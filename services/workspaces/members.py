"""Workspace members (roles kept by the permissions service) and linked Airtable bases."""

from __future__ import annotations

from tablemesh.events.v1.events_pb2 import WorkspaceMemberChanged

from services.runtime import clock, events, pagination
from services.runtime.errors import (
    FailedPrecondition,
    NotFound,
    PermissionDenied,
    Violations,
    invalid,
)
from services.runtime.identity import Caller
from services.runtime.validation import check_uuid
from services.workspaces.domain import Workspaces, page_size
from services.workspaces.link_store import LinkStore
from services.workspaces.lookups import Lookups
from services.workspaces.model import BASE_ID, MAX_REQUEST_ID, ROLES, LinkedBase, Member
from services.workspaces.reconcile import place


def check_role(v: Violations, value: str) -> str:
    if value not in ROLES:
        v.add("role", f"must be one of {', '.join(ROLES)}")
    return value


def check_base_id(v: Violations, value: str) -> str:
    if not value:
        v.add("base_id", "is required")
    elif not BASE_ID.match(value):
        v.add("base_id", "must be 'app' followed by 14 letters or digits")
    return value


class Members:
    def __init__(self, workspaces: Workspaces, lookups: Lookups) -> None:
        self.workspaces = workspaces
        self.access = workspaces.access
        self.lookups = lookups

    async def add(
        self, caller: Caller, workspace_id: str, user_id: str, role: str, request_id: str
    ) -> Member:
        v = Violations()
        user_id = check_uuid(v, "user_id", user_id)
        check_role(v, role)
        if len(request_id) > MAX_REQUEST_ID:
            v.add("request_id", f"must be at most {MAX_REQUEST_ID} characters")
        v.raise_if_any()
        workspace = await self.workspaces.authorize(caller, workspace_id, "admin")
        await self.lookups.require_user(user_id)
        before = await self.access.member(workspace.id, user_id)
        added = await self.access.grant(workspace.id, user_id, role, request_id)
        if before is None or before.role != added.role:
            await self._announce(caller, "member_added", workspace.id, user_id, role, before)
        return added

    async def list_page(
        self, caller: Caller, workspace_id: str, requested_size: int, page_token: str
    ) -> tuple[list[Member], str]:
        v = Violations()
        size = page_size(v, requested_size)
        v.raise_if_any()
        workspace = await self.workspaces.authorize(caller, workspace_id, "read")
        return await self.access.members(workspace.id, size, page_token)

    async def _existing(self, workspace_id: str, user_id: str) -> Member:
        member = await self.access.member(workspace_id, user_id)
        if member is None:
            raise NotFound(
                f"user {user_id} is not a member of workspace {workspace_id}",
                reason="MEMBER_NOT_FOUND",
            )
        return member

    async def _keep_an_owner(self, workspace_id: str, leaving: Member) -> None:
        if leaving.role != "owner":
            return
        owners, token = [], ""
        while True:
            found, token = await self.access.members(workspace_id, 100, token)
            owners += [m for m in found if m.role == "owner" and m.user_id != leaving.user_id]
            if owners or not token:
                break
        if not owners:
            raise FailedPrecondition(
                f"user {leaving.user_id} is the last owner of workspace {workspace_id}",
                reason="LAST_OWNER",
            )

    async def update_role(
        self, caller: Caller, workspace_id: str, user_id: str, role: str
    ) -> Member:
        v = Violations()
        user_id = check_uuid(v, "user_id", user_id)
        check_role(v, role)
        v.raise_if_any()
        workspace = await self.workspaces.authorize(caller, workspace_id, "admin")
        member = await self._existing(workspace.id, user_id)
        if member.role == role:
            return member
        if role != "owner":
            await self._keep_an_owner(workspace.id, member)
        changed = await self.access.grant(workspace.id, user_id, role, "")
        await self._announce(caller, "member_changed", workspace.id, user_id, role, member)
        return changed

    async def remove(self, caller: Caller, workspace_id: str, user_id: str) -> None:
        v = Violations()
        user_id = check_uuid(v, "user_id", user_id)
        v.raise_if_any()
        workspace = await self.workspaces.authorize(caller, workspace_id, "admin")
        member = await self.access.member(workspace.id, user_id)
        if member is None:
            return
        await self._keep_an_owner(workspace.id, member)
        await self.access.revoke(member.permission_id)
        await self._announce(caller, "member_removed", workspace.id, user_id, "", member)

    async def _announce(
        self,
        caller: Caller,
        what: str,
        workspace_id: str,
        user_id: str,
        role: str,
        before: Member | None,
    ) -> None:
        changed = WorkspaceMemberChanged(
            workspace_id=workspace_id,
            user_id=user_id,
            role=role,
            previous_role=before.role if before else "",
        )
        await self.workspaces.store.announce(
            events.new_event(
                f"workspace.{what}", caller.tenant_id, "workspaces", workspace_member=changed
            )
        )


class Bases:
    """Linked bases. Linking puts the base inside the workspace at the permissions service
    too, so the workspace's roles govern it (see the airtable service's base_access)."""

    def __init__(self, workspaces: Workspaces, links: LinkStore, lookups: Lookups) -> None:
        self.workspaces = workspaces
        self.access = workspaces.access
        self.links = links
        self.lookups = lookups

    async def link(self, caller: Caller, workspace_id: str, base_id: str) -> LinkedBase:
        """Workspace admins link a base they already administer (tenant admins any base of
        the tenant): linking hands the workspace's members a role on it."""
        v = Violations()
        check_base_id(v, base_id)
        v.raise_if_any()
        workspace = await self.workspaces.authorize(caller, workspace_id, "admin")
        await self.lookups.require_base(base_id)
        privileged = caller.is_admin or caller.is_service
        if not privileged and not await self.access.may_admin_base(caller.user_id, base_id):
            raise PermissionDenied(
                f"only admins of base {base_id} (or tenant admins) may move it into a workspace",
                reason="BASE_ADMIN_REQUIRED",
            )
        link = LinkedBase(base_id, caller.user_id, clock.now())
        held_by, linked = await self.links.link(caller.tenant_id, workspace.id, link)
        if held_by != workspace.id:
            raise FailedPrecondition(
                f"base {base_id} belongs to workspace {held_by}; unlink it there first",
                reason="BASE_IN_OTHER_WORKSPACE",
            )
        # After the row: a failure here leaves a link a retry (or the start-up
        # reconciliation) completes, never a role on a base that is not linked.
        await place(self.links, self.access, caller.tenant_id, workspace.id, base_id)
        return linked

    async def unlink(self, caller: Caller, workspace_id: str, base_id: str) -> None:
        if not base_id:
            raise invalid("base_id", "is required")
        workspace = await self.workspaces.authorize(caller, workspace_id, "admin")
        if await self.links.workspace_of(caller.tenant_id, base_id) != workspace.id:
            return  # not linked here: nothing to undo (another workspace's link stays)
        # Before the row: the members' roles on the base go first.
        await self.access.set_parent(caller.tenant_id, base_id, "")
        await self.links.unlink(caller.tenant_id, workspace.id, base_id)

    async def list_page(
        self, caller: Caller, workspace_id: str, requested_size: int, page_token: str
    ) -> tuple[list[LinkedBase], str]:
        v = Violations()
        size = page_size(v, requested_size)
        v.raise_if_any()
        workspace = await self.workspaces.authorize(caller, workspace_id, "read")
        fp = pagination.fingerprint(workspace=workspace.id)
        after = pagination.decode_token(page_token, fp)
        found, last = await self.links.bases(caller.tenant_id, workspace.id, size, after)
        return found, pagination.encode_token(last, fp) if last else ""
