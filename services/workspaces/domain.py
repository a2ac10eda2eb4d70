"""What the workspaces service does, as plain Python: workspace CRUD and who may do it.

Tenant rule: every read and write is scoped to the caller's tenant; another tenant's
workspace is reported as not found, like an id that does not exist.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

import grpc

from services.runtime import pagination
from services.runtime.clock import now
from services.runtime.errors import DomainError, NotFound, PermissionDenied, Violations
from services.runtime.identity import Caller
from services.runtime.validation import check_required, check_uuid
from services.workspaces.access import Access
from services.workspaces.model import (
    EDITABLE,
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_REQUEST_ID,
    NOT_EDITABLE,
    Workspace,
)
from services.workspaces.store import WorkspaceStore


def page_size(v: Violations, requested: int) -> int:
    try:
        return pagination.page_size(requested)
    except Exception as exc:  # noqa: BLE001 - collected with the rest
        v.items.extend(getattr(exc, "violations", []))
        return 0


def check_description(v: Violations, field: str, value: str) -> str:
    if len(value) > MAX_DESCRIPTION:
        v.add(field, f"must be at most {MAX_DESCRIPTION} characters")
    return value.strip()


class Workspaces:
    def __init__(self, store: WorkspaceStore, access: Access) -> None:
        self.store = store
        self.access = access

    async def authorize(self, caller: Caller, workspace_id: str, action: str) -> Workspace:
        """The live workspace, once the caller may perform the action on it. Callers with no
        role on it at all learn nothing about it: NOT_FOUND, as for an unknown id."""
        v = Violations()
        workspace_id = check_uuid(v, "workspace_id", workspace_id)
        v.raise_if_any()
        workspace = await self.store.get(caller.tenant_id, workspace_id)
        if workspace is None or workspace.deleted_at is not None:
            raise NotFound(f"workspace {workspace_id} not found", reason="WORKSPACE_NOT_FOUND")
        if caller.is_admin or caller.is_service:
            return workspace
        answer = await self.access.check(caller.user_id, workspace_id, action)
        if answer.allowed:
            return workspace
        if not answer.role:
            raise NotFound(f"workspace {workspace_id} not found", reason="WORKSPACE_NOT_FOUND")
        raise PermissionDenied(
            f"your role {answer.role} in workspace {workspace_id} does not allow {action}",
            reason="WORKSPACE_ROLE_INSUFFICIENT",
        )

    async def create(self, caller: Caller, fields: dict[str, str], request_id: str) -> Workspace:
        if caller.role == "viewer":
            raise PermissionDenied(
                "viewers cannot create workspaces; an admin can change your role",
                reason="VIEWER_CANNOT_CREATE",
            )
        v = Violations()
        name = check_required(v, "workspace.name", fields.get("name", ""), MAX_NAME)
        description = check_description(v, "workspace.description", fields.get("description", ""))
        owner = fields.get("owner_user_id", "")
        if caller.is_service:
            owner = check_uuid(v, "workspace.owner_user_id", owner)
        elif owner and owner != caller.user_id:
            v.add("workspace.owner_user_id", "only mesh services may name another owner")
        if fields.get("id"):
            v.add("workspace.id", "is assigned by the service")
        if len(request_id) > MAX_REQUEST_ID:
            v.add("request_id", f"must be at most {MAX_REQUEST_ID} characters")
        v.raise_if_any()
        stamp = now()
        workspace = await self.store.insert(
            Workspace(
                id=str(uuid.uuid4()),
                tenant_id=caller.tenant_id,
                name=name,
                description=description,
                owner_user_id=owner or caller.user_id,
                created_at=stamp,
                updated_at=stamp,
            ),
            request_id or None,
        )
        if workspace.deleted_at is None:
            await self._grant_owner(workspace, retryable=bool(request_id))
        return workspace

    async def _grant_owner(self, workspace: Workspace, retryable: bool) -> None:
        """The one grant made as the workspaces service itself (see Access.grant_owner). It
        is idempotent, so a retry after a lost reply grants once.

        If permissions refused, the workspace goes too and nothing is left. If its answer
        was lost (UNAVAILABLE), the grant may have taken effect: a create with a request id
        keeps the workspace, and the caller's retry (a saga's, say) finds it and grants
        again; one without a request id cannot be retried, so its grant is revoked, best
        effort, before the workspace goes."""
        try:
            await self.access.grant_owner(
                workspace.tenant_id,
                workspace.id,
                workspace.owner_user_id,
                f"workspace-owner:{workspace.id}",
            )
        except DomainError as exc:
            if exc.code == grpc.StatusCode.UNAVAILABLE:
                if retryable:
                    raise
                with contextlib.suppress(DomainError):
                    await self.access.revoke_all(workspace.id)
            await self.store.purge(workspace.tenant_id, workspace.id)
            raise

    async def get(self, caller: Caller, workspace_id: str) -> Workspace:
        return await self.authorize(caller, workspace_id, "read")

    async def list_page(
        self, caller: Caller, requested_size: int, page_token: str
    ) -> tuple[list[Workspace], str]:
        v = Violations()
        size = page_size(v, requested_size)
        v.raise_if_any()
        fp = pagination.fingerprint(kind="workspaces")
        after = pagination.decode_token(page_token, fp)
        ids = None
        if not (caller.is_admin or caller.is_service):
            ids = await self.access.workspace_ids_of(caller.user_id)
        found, last = await self.store.page(caller.tenant_id, ids, size, after)
        return found, pagination.encode_token(last, fp) if last else ""

    async def update(
        self, caller: Caller, workspace_id: str, fields: dict[str, Any], mask: list[str]
    ) -> Workspace:
        paths = mask or [name for name in EDITABLE if fields.get(name)]
        v = Violations()
        changes: dict[str, Any] = {}
        for path in paths:
            if path in NOT_EDITABLE:
                v.add("update_mask", f"{path} cannot be changed")
            elif path == "name":
                changes["name"] = check_required(
                    v, "workspace.name", fields.get("name", ""), MAX_NAME
                )
            elif path == "description":
                changes["description"] = check_description(
                    v, "workspace.description", fields.get("description", "")
                )
            else:
                v.add("update_mask", f"unknown field {path!r}; one of {', '.join(EDITABLE)}")
        if not paths:
            v.add("update_mask", "names no field to change")
        v.raise_if_any()
        await self.authorize(caller, workspace_id, "admin")
        changes["updated_at"] = now()
        return await self.store.update(caller.tenant_id, workspace_id, changes)

    async def delete(self, caller: Caller, workspace_id: str) -> None:
        """Safe to repeat: an already deleted or unknown workspace of the tenant is done."""
        v = Violations()
        workspace_id = check_uuid(v, "workspace_id", workspace_id)
        v.raise_if_any()
        workspace = await self.store.get(caller.tenant_id, workspace_id)
        if workspace is None or workspace.deleted_at is not None:
            return
        await self.authorize(caller, workspace_id, "delete")
        # Roles go first: if this fails, the workspace is still there for a retry.
        await self.access.revoke_all(workspace_id)
        stamp = now()
        await self.store.update(
            caller.tenant_id, workspace_id, {"deleted_at": stamp, "updated_at": stamp}
        )
