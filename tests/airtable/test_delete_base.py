"""DeleteBase, on both backends: the local one removes the base with its tables and
records; the airtable one unlinks it from the tenant (Airtable cannot delete bases)."""

from __future__ import annotations

import pytest

from services.airtable.domain import Airtable
from services.runtime.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from tests.airtable.conftest import caller
from tests.airtable.test_behaviour import PROJECTS, ROWS


async def test_delete_base_removes_it_and_repeats_as_not_found(airtable: Airtable) -> None:
    admin = caller(role="admin")
    base, tables = await airtable.create_base(admin, "Doomed", [PROJECTS], "doomed-1")
    await airtable.create_records(admin, base.id, tables[0].id, ROWS[:2], False, "")
    await airtable.get_schema(admin, base.id)  # cached now: deletion must forget it

    await airtable.delete_base(admin, base.id)

    with pytest.raises(NotFound):
        await airtable.get_schema(admin, base.id)
    listed, _ = await airtable.list_bases(admin, 100, "")
    assert base.id not in [b.id for b in listed]
    with pytest.raises(NotFound):
        await airtable.delete_base(admin, base.id)


async def test_a_late_create_after_the_delete_makes_nothing(airtable: Airtable) -> None:
    """A saga's CreateBase that arrives after its compensation deleted the base (the
    deleted row is the tombstone of the request id) is refused, and no base appears."""
    admin = caller(role="admin")
    base, _ = await airtable.create_base(admin, "Sample", [PROJECTS], "saga:1:create_base")
    await airtable.delete_base(admin, base.id)
    with pytest.raises(FailedPrecondition, match="has been deleted"):
        await airtable.create_base(admin, "Sample", [PROJECTS], "saga:1:create_base")
    listed, _ = await airtable.list_bases(admin, 100, "")
    assert listed == []


async def test_delete_base_scoped_and_checked(airtable: Airtable) -> None:
    admin = caller(role="admin")
    base, _ = await airtable.create_base(admin, "Kept", [PROJECTS], "")
    with pytest.raises(NotFound):  # another tenant's admin
        await airtable.delete_base(caller(role="admin"), base.id)
    with pytest.raises(PermissionDenied):  # a tenant viewer (workspace roles: e2e)
        await airtable.delete_base(caller(admin.tenant_id, role="viewer"), base.id)
    with pytest.raises(InvalidArgument):
        await airtable.delete_base(admin, "not-a-base")
    assert await airtable.get_schema(admin, base.id)
