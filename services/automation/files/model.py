"""A stored file as the domain sees it, apart from SQL and protobuf."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MAX_REQUEST_ID = 200


@dataclass(frozen=True)
class StoredFile:
    id: str
    tenant_id: str
    name: str
    extension: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    created_at: datetime
    # The content-addressed bytes it points to (shared by the tenant's files with the
    # same content).
    blob_id: str
