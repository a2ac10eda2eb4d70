"""Replays of a Grant by its request id, the way a saga retries and compensates."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncEngine

from services.permissions.domain import Permissions
from tests.permissions.test_domain import caller, count, grant, workspace


async def test_a_grant_arriving_after_its_revoke_takes_no_effect(
    perms: Permissions, engine: AsyncEngine
) -> None:
    """The revoked entry keeps its request id (a tombstone): the saga's late Grant gets the
    revoked entry back, and nobody gains the role."""
    tenant = str(uuid.uuid4())
    saga = caller("service", tenant)
    subject, resource = str(uuid.uuid4()), workspace()
    made = await grant(perms, saga, subject, resource, "owner", request_id="saga:1:grant_owner")
    await perms.revoke(saga, made.id)  # the compensation

    late = await grant(perms, saga, subject, resource, "owner", request_id="saga:1:grant_owner")

    assert late.id == made.id and late.revoked_at is not None
    decision = await perms.check(saga, subject, resource, "read")
    assert not decision.allowed
    assert await count(engine, tenant) == 1
