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


def decide(entries: list[Permission], action: str) -> Decision:
    """Deny entries win over any role; otherwise the role held decides."""
    role = next((e.role for e in entries if e.effect == "allow"), "")
    for entry in entries:
        if entry.effect == "deny" and entry.action in (action, ALL_ACTIONS):
            return Decision(False, f"denied: an explicit deny entry refuses {action}", role)
    if not role:
        return Decision(False, "denied: no role on the resource")
    if action in ROLE_ACTIONS[role]:
        return Decision(True, f"role {role} allows {action}", role)
    return Decision(False, f"denied: role {role} does not allow {action}", role)
