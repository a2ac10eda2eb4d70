"""The user profile as the domain sees it, independent of protobuf and SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ROLES = ("admin", "member", "viewer")

# Fields a person may change on their own profile.
SELF_EDITABLE = (
    "first_name",
    "last_name",
    "display_name",
    "avatar_url",
    "bio",
    "phone",
    "preferences",
)
# Fields only an admin (or a mesh service) may change.
ADMIN_EDITABLE = ("role", "is_active", "email_verified")
# Fields a client may never set.
OUTPUT_ONLY = (
    "id",
    "tenant_id",
    "email",
    "create_time",
    "update_time",
    "delete_time",
    "last_login_time",
)

# ListUsers order_by names and the column each sorts by.
ORDER_COLUMNS = {
    "create_time": "created_at",
    "email": "email",
    "last_name": "last_name",
    "display_name": "display_name",
    "last_login_time": "last_login_at",
}


# Frozen: one decoded profile may be shared by many calls (the store keeps it in-process).
@dataclass(frozen=True)
class Profile:
    id: str
    tenant_id: str
    email: str
    first_name: str
    last_name: str
    display_name: str
    role: str
    avatar_url: str = ""
    bio: str = ""
    phone: str = ""
    is_active: bool = True
    email_verified: bool = False
    preferences: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    last_login_at: datetime | None = None


@dataclass(frozen=True)
class ListQuery:
    tenant_id: str
    page_size: int
    role: str = ""
    is_active: bool | None = None
    search: str = ""
    order_column: str = "created_at"
    descending: bool = False
    after: list[Any] | None = None


@dataclass(frozen=True)
class Stats:
    total: int
    active: int
    by_role: dict[str, int]
    recent_signups: int
