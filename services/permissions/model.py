"""Permission entries, roles and actions as the domain sees them, apart from SQL and protobuf."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from services.runtime.errors import Violations
from services.runtime.validation import check_uuid

ACTIONS = ("read", "write", "admin", "delete")
# What each role may do on a resource it is assigned on.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "owner": frozenset(ACTIONS),
    "admin": frozenset(("read", "write", "admin")),
    "member": frozenset(("read", "write")),
    "viewer": frozenset(("read",)),
}
ROLES = tuple(ROLE_ACTIONS)
EFFECTS = ("allow", "deny")
RESOURCE_TYPES = ("workspace", "base", "tenant")
RESOURCE = re.compile(r"^(workspace|base|tenant):[A-Za-z0-9_-]{1,100}$")
ALL_ACTIONS = "*"
# Which type of resource may sit inside which: for now only a base inside a workspace.
PARENT_TYPES = {"base": "workspace"}


@dataclass
class Permission:
    id: str
    tenant_id: str
    subject: str
    resource: str
    role: str
    effect: str
    action: str
    granted_by: str
    created_at: datetime
    updated_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    role: str = ""


def check_resource(v: Violations, field: str, value: str) -> str:
    if not value:
        v.add(field, "is required")
    elif not RESOURCE.match(value):
        v.add(field, f"must look like <type>:<id> with type one of {', '.join(RESOURCE_TYPES)}")
    return value


def check_parent(v: Violations, resource: str, parent: str) -> str:
    """Empty (the resource leaves its parent) or another resource of the type allowed."""
    if not parent:
        return parent
    child_type, parent_type = resource.partition(":")[0], parent.partition(":")[0]
    if not RESOURCE.match(parent):
        v.add(
            "parent",
            f"must be empty or look like <type>:<id> with type one of {', '.join(RESOURCE_TYPES)}",
        )
    elif parent == resource:
        v.add("parent", "must differ from resource: a resource cannot be its own parent")
    elif RESOURCE.match(resource) and PARENT_TYPES.get(child_type) != parent_type:
        v.add(
            "parent",
            f"a {child_type} cannot be placed inside a {parent_type}: "
            "only a base inside a workspace is allowed for now",
        )
    return parent


def check_action(v: Violations, field: str, value: str, *, wildcard: bool = False) -> str:
    allowed = (*ACTIONS, ALL_ACTIONS) if wildcard else ACTIONS
    if not value:
        v.add(field, "is required")
    elif value not in allowed:
        v.add(field, f"must be one of {', '.join(allowed)}")
    return value


def check_subject(v: Violations, field: str, value: str) -> str:
    return check_uuid(v, field, value)


def check_grant(
    v: Violations, subject: str, resource: str, role: str, effect: str, action: str
) -> None:
    """An allow entry names a role and no action; a deny entry an action and no role."""
    check_subject(v, "subject", subject)
    check_resource(v, "resource", resource)
    if effect not in EFFECTS:
        v.add("effect", f"must be one of {', '.join(EFFECTS)}")
    elif effect == "allow":
        if role not in ROLES:
            v.add("role", f"must be one of {', '.join(ROLES)}")
        if action:
            v.add("action", "must be empty for an allow entry (the role decides)")
    else:
        check_action(v, "action", action, wildcard=True)
        if role:
            v.add("role", "must be empty for a deny entry")


def roles_allowing(action: str) -> list[str]:
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]


def decide(entries: list[Permission], resource: str, action: str) -> Decision:
    """Decides on a subject's live entries on the resource and on its parent. A deny entry
    on either refuses its action whatever the role; otherwise the role held on the resource
    itself decides, else the one held on the parent (a base's own viewer is not its
    workspace's member)."""
    own_first = sorted(entries, key=lambda e: e.resource != resource)
    held = next((e for e in own_first if e.effect == "allow"), None)
    role = held.role if held else ""
    for entry in entries:
        if entry.effect == "deny" and entry.action in (action, ALL_ACTIONS):
            why = f"denied: an explicit deny entry{_on(entry, resource)} refuses {action}"
            return Decision(False, why, role)
    if held is None:
        return Decision(False, "denied: no role on the resource")
    if action in ROLE_ACTIONS[role]:
        return Decision(True, f"role {role}{_on(held, resource)} allows {action}", role)
    return Decision(
        False, f"denied: role {role}{_on(held, resource)} does not allow {action}", role
    )


def _on(entry: Permission, resource: str) -> str:
    """Where an inherited entry sits, for the reason ("" for the resource's own)."""
    return "" if entry.resource == resource else f" on {entry.resource}"
