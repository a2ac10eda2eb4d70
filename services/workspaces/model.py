"""Workspaces, members and linked bases as the domain sees them, apart from SQL and protobuf."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

ROLES = ("owner", "admin", "member", "viewer")
BASE_ID = re.compile(r"^app[A-Za-z0-9]{14}$")
# Fields UpdateWorkspace may change, and those it never may.
EDITABLE = ("name", "description")
NOT_EDITABLE = ("id", "tenant_id", "owner_user_id", "create_time", "update_time")
MAX_NAME = 100
MAX_DESCRIPTION = 1000
MAX_REQUEST_ID = 200


def resource(workspace_id: str) -> str:
    """The workspace's name in the permissions service."""
    return f"workspace:{workspace_id}"


@dataclass
class Workspace:
    id: str
    tenant_id: str
    name: str
    description: str
    owner_user_id: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


@dataclass(frozen=True)
class Member:
    user_id: str
    role: str
    created_at: datetime | None
    updated_at: datetime | None
    # The permissions service's entry that makes the user a member.
    permission_id: str = ""


@dataclass(frozen=True)
class LinkedBase:
    base_id: str
    linked_by: str
    created_at: datetime
