"""What an admin may filter the audit log by, checked before any query runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from services.audit.record import OUTCOMES
from services.audit.rules import known_resource_kinds, rules
from services.audit.store import entries
from services.runtime.errors import Violations

E = entries.c
MAX_TEXT = 200


@dataclass(frozen=True)
class Filters:
    actor_id: str = ""
    action: str = ""
    resource: str = ""
    outcome: str = ""
    start: datetime | None = None
    end: datetime | None = None

    def fingerprint(self) -> dict[str, str]:
        """What a page token is bound to."""
        return {
            "actor": self.actor_id,
            "action": self.action,
            "resource": self.resource,
            "outcome": self.outcome,
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
        }

    def where(self, tenant_id: str) -> list[sa.ColumnElement[bool]]:
        found = [E.tenant_id == tenant_id]
        if self.actor_id:
            found.append(E.actor_id == self.actor_id)
        if self.action.endswith("."):
            found.append(E.action.startswith(self.action, autoescape=True))
        elif self.action:
            found.append(E.action == self.action)
        if ":" in self.resource:
            found.append(E.resource == self.resource)
        elif self.resource:
            found.append(E.resource.startswith(self.resource + ":", autoescape=True))
        if self.outcome:
            found.append(E.outcome == self.outcome)
        if self.start:
            found.append(E.time >= self.start)
        if self.end:
            found.append(E.time < self.end)
        return found


def _known_action(action: str) -> bool:
    types = [t for rule in rules().values() for t in rule.types]
    if action.endswith("."):
        return any(t.startswith(action) or action.startswith(t) for t in types)
    return any(rule.covers(action) for rule in rules().values())


def checked(filters: Filters) -> Filters:
    """The filters, or INVALID_ARGUMENT naming every one that selects nothing possible."""
    v = Violations()
    for name in ("actor_id", "action", "resource"):
        if len(getattr(filters, name)) > MAX_TEXT:
            v.add(name, f"must be at most {MAX_TEXT} characters")
    if filters.action and not _known_action(filters.action):
        v.add("action", f"{filters.action!r} is no audited action (e.g. auth.signed_in, auth.)")
    kind = filters.resource.partition(":")[0]
    if filters.resource and kind not in known_resource_kinds():
        kinds = ", ".join(sorted(known_resource_kinds()))
        v.add("resource", f"{kind!r} is no resource kind; one of: {kinds}")
    if filters.outcome and filters.outcome not in OUTCOMES:
        v.add("outcome", "must be success or failure")
    if filters.start and filters.end and filters.end <= filters.start:
        v.add("end_time", "must be after start_time")
    v.raise_if_any()
    return filters
