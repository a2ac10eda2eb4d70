"""Who may do what with a base: the roles of the workspace it belongs to.

A base belongs to at most one workspace: the workspaces service links it, and the
permissions service then knows that "base:<id>" lies inside "workspace:<id>", so a role on
the workspace holds on its bases (deny entries on either refuse). Tenant admins and mesh
services may do everything with every base of their tenant. Everyone else:

  viewer   reads the base (schema and records)
  member   also creates, changes and deletes records
  admin    also changes the schema (tables and fields)
  owner    also deletes the base

A base the user holds no role on, through its workspace or directly, does not exist for
them (NOT_FOUND, as for an unknown id); a role too weak for the action is PERMISSION_DENIED
and names the role. A base in no workspace is seen by tenant admins only.
"""

from __future__ import annotations

from services.runtime.errors import NotFound, PermissionDenied, invalid
from services.runtime.identity import Caller
from services.runtime.resource_access import ResourceAccess

# What each action means to a user, and the weakest workspace role allowing it.
DOING = {
    "write": ("change records in", "member"),
    "admin": ("change the schema of", "admin"),
    "delete": ("delete", "owner"),
}


def _everything(caller: Caller) -> bool:
    return caller.is_admin or caller.is_service


class BaseAccess:
    def __init__(self, access: ResourceAccess) -> None:
        self.access = access

    async def require(self, caller: Caller, base_id: str, action: str) -> None:
        """Returns when the caller may perform `action` (read, write, admin, delete)."""
        if _everything(caller):
            return
        allowed = await self.access.allowed(caller, f"base:{base_id}")
        if "read" not in allowed.actions:
            raise NotFound(f"base {base_id} not found", reason="BASE_NOT_FOUND")
        if action not in allowed.actions:
            doing, needs = DOING[action]
            role = allowed.role or "none"
            raise PermissionDenied(
                f"your role in this base's workspace is {role}; to {doing} a base you need "
                f"{needs} or above",
                reason="WORKSPACE_ROLE",
            )

    async def readable(self, caller: Caller) -> frozenset[str] | None:
        """The ids of the bases the caller may read; None when that is every base."""
        if _everything(caller):
            return None
        return await self.access.lookup(caller, "base", "read")

    async def require_workspace_admin(self, caller: Caller, workspace_id: str) -> None:
        """A new base goes into a workspace whose owners and admins include the caller
        (tenant admins: any workspace of the tenant; the link itself checks it exists)."""
        if not workspace_id:
            if not _everything(caller):
                raise invalid("workspace_id", "is required: a base belongs to a workspace")
            return
        if _everything(caller):
            return
        allowed = await self.access.allowed(caller, f"workspace:{workspace_id}")
        if "read" not in allowed.actions:
            raise NotFound(f"workspace {workspace_id} not found", reason="WORKSPACE_NOT_FOUND")
        if "admin" not in allowed.actions:
            raise PermissionDenied(
                f"your role in workspace {workspace_id} is {allowed.role or 'none'}; to create "
                "a base in it you need admin or above",
                reason="WORKSPACE_ROLE",
            )
