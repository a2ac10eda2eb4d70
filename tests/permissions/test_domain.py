"""The permissions domain against real PostgreSQL, without gRPC."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.permissions.domain import Permissions
from services.permissions.model import Permission
from services.permissions.store import entries
from services.runtime.errors import InvalidArgument, PermissionDenied
from services.runtime.identity import Caller


def caller(role: str, tenant: str, user_id: str | None = None) -> Caller:
    return Caller(user_id or str(uuid.uuid4()), tenant, role, "x@example.com", "jti", 2**40, "t")


def workspace() -> str:
    return f"workspace:{uuid.uuid4()}"


async def count(engine: AsyncEngine, tenant: str) -> int:
    query = sa.select(sa.func.count()).select_from(entries).where(entries.c.tenant_id == tenant)
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def grant(
    perms: Permissions, who: Caller, subject: str, resource: str, role: str, **kw: str
) -> Permission:
    return await perms.grant(
        who,
        subject=subject,
        resource=resource,
        role=role,
        effect=kw.get("effect", ""),
        action=kw.get("action", ""),
        request_id=kw.get("request_id", ""),
    )


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("owner", {"read", "write", "admin", "delete"}),
        ("admin", {"read", "write", "admin"}),
        ("member", {"read", "write"}),
        ("viewer", {"read"}),
    ],
)
async def test_roles_map_to_actions(perms: Permissions, role: str, allowed: set[str]) -> None:
    tenant, res = str(uuid.uuid4()), workspace()
    user = caller("member", tenant)
    await grant(perms, caller("service", tenant), user.user_id, res, role)
    for action in ("read", "write", "admin", "delete"):
        decision = await perms.check(user, user.user_id, res, action)
        assert decision.allowed == (action in allowed), (role, action, decision.reason)
        assert decision.role == role


async def test_deny_overrides_allow(perms: Permissions) -> None:
    tenant, res = str(uuid.uuid4()), workspace()
    service, user = caller("service", tenant), caller("member", tenant)
    await grant(perms, service, user.user_id, res, "owner")
    await grant(perms, service, user.user_id, res, "", effect="deny", action="delete")
    assert not (await perms.check(user, user.user_id, res, "delete")).allowed
    assert (await perms.check(user, user.user_id, res, "write")).allowed
    await grant(perms, service, user.user_id, res, "", effect="deny", action="*")
    answer = await perms.check(user, user.user_id, res, "read")
    assert not answer.allowed and "deny" in answer.reason


async def test_grant_is_idempotent_and_one_role_per_resource(
    perms: Permissions, engine: AsyncEngine
) -> None:
    tenant, res = str(uuid.uuid4()), workspace()
    service, subject = caller("service", tenant), str(uuid.uuid4())
    first = await grant(perms, service, subject, res, "viewer", request_id="saga-1:grant")
    again = await grant(perms, service, subject, res, "admin", request_id="saga-1:grant")
    assert again.id == first.id and again.role == "viewer"
    same = await grant(perms, service, subject, res, "viewer", request_id="other")
    assert same.id == first.id
    changed = await grant(perms, service, subject, res, "member")
    assert changed.id == first.id and changed.role == "member"
    assert await count(engine, tenant) == 1


async def test_revoke_is_safe_to_repeat(perms: Permissions) -> None:
    tenant, res = str(uuid.uuid4()), workspace()
    service, user = caller("service", tenant), caller("member", tenant)
    entry = await grant(perms, service, user.user_id, res, "member")
    await perms.revoke(service, entry.id)
    await perms.revoke(service, entry.id)
    await perms.revoke(service, str(uuid.uuid4()))
    assert not (await perms.check(user, user.user_id, res, "read")).allowed
    # Granting again after a revoke makes a new entry.
    again = await grant(perms, service, user.user_id, res, "member", request_id="r")
    assert again.id != entry.id


async def test_other_tenant_is_never_allowed(perms: Permissions) -> None:
    res = workspace()
    user_id = str(uuid.uuid4())
    await grant(perms, caller("service", str(uuid.uuid4())), user_id, res, "owner")
    stranger = caller("member", str(uuid.uuid4()), user_id)
    assert not (await perms.check(stranger, user_id, res, "read")).allowed
    found, _ = await perms.list_page(
        caller("admin", stranger.tenant_id),
        page_size=0,
        page_token="",
        subject="",
        resource=res,
        resource_type="",
    )
    assert found == []


async def test_tenant_admins_act_on_their_tenants_resources_only(perms: Permissions) -> None:
    tenant, res = str(uuid.uuid4()), workspace()
    await grant(perms, caller("service", tenant), str(uuid.uuid4()), res, "owner")
    admin = caller("admin", tenant)
    assert (await perms.check(admin, admin.user_id, res, "delete")).allowed
    # Another tenant's admin, and a resource unknown here, are refused.
    foreign = caller("admin", str(uuid.uuid4()))
    assert not (await perms.check(foreign, foreign.user_id, res, "read")).allowed
    assert not (await perms.check(admin, admin.user_id, workspace(), "read")).allowed
    await grant(perms, caller("service", tenant), admin.user_id, res, "", effect="deny", action="*")
    assert not (await perms.check(admin, admin.user_id, res, "read")).allowed


async def test_who_may_grant(perms: Permissions, engine: AsyncEngine) -> None:
    tenant, res = str(uuid.uuid4()), workspace()
    owner = caller("member", tenant)
    # Nobody makes themselves owner, not even of a resource nobody ever held: a new
    # workspace gets its first owner from the workspaces service's own identity.
    with pytest.raises(PermissionDenied, match="only owners and admins"):
        await grant(perms, owner, owner.user_id, res, "owner")
    assert await count(engine, tenant) == 0
    await grant(perms, caller("service", tenant), owner.user_id, res, "owner")
    intruder = caller("member", tenant)
    with pytest.raises(PermissionDenied):
        await grant(perms, intruder, intruder.user_id, res, "owner")
    admin_member = caller("member", tenant)
    await grant(perms, owner, admin_member.user_id, res, "admin")
    await grant(perms, admin_member, intruder.user_id, res, "viewer")
    with pytest.raises(PermissionDenied, match="only owners"):
        await grant(perms, admin_member, intruder.user_id, res, "owner")
    with pytest.raises(PermissionDenied):
        await grant(perms, intruder, str(uuid.uuid4()), res, "viewer")
    with pytest.raises(PermissionDenied, match="other users"):
        await perms.check(intruder, owner.user_id, res, "read")
    await grant(perms, caller("admin", tenant), str(uuid.uuid4()), res, "member")


async def test_bad_input_names_fields_and_stores_nothing(
    perms: Permissions, engine: AsyncEngine
) -> None:
    tenant = str(uuid.uuid4())
    service = caller("service", tenant)
    with pytest.raises(InvalidArgument) as err:
        await grant(perms, service, "nope", "folder:1", "king")
    assert {f for f, _ in err.value.violations} == {"subject", "resource", "role"}
    with pytest.raises(InvalidArgument, match="action"):
        await grant(perms, service, str(uuid.uuid4()), workspace(), "", effect="deny")
    with pytest.raises(InvalidArgument, match="effect"):
        await grant(perms, service, str(uuid.uuid4()), workspace(), "owner", effect="maybe")
    with pytest.raises(InvalidArgument, match="action: must be one of"):
        await perms.check(service, str(uuid.uuid4()), workspace(), "fly")
    with pytest.raises(InvalidArgument, match="permission_id"):
        await perms.revoke(service, "x")
    with pytest.raises(InvalidArgument, match="checks"):
        await perms.batch_check(service, [])
    assert await count(engine, tenant) == 0


async def test_list_pages_and_filters(perms: Permissions) -> None:
    tenant, res = str(uuid.uuid4()), workspace()
    service = caller("service", tenant)
    for _ in range(5):
        await grant(perms, service, str(uuid.uuid4()), res, "viewer")
    await grant(perms, service, str(uuid.uuid4()), "base:appAAAAAAAAAAAAAA", "viewer")
    seen, token = [], ""
    while True:
        found, token = await perms.list_page(
            service, page_size=2, page_token=token, subject="", resource=res, resource_type=""
        )
        seen += found
        if not token:
            break
    assert len(seen) == 5 and len({p.id for p in seen}) == 5
    with pytest.raises(InvalidArgument, match="page_token"):
        await perms.list_page(
            service, page_size=2, page_token="garbage", subject="", resource="", resource_type=""
        )
    member = caller("member", tenant)
    with pytest.raises(InvalidArgument, match="subject"):
        await perms.list_page(
            member, page_size=0, page_token="", subject="", resource="", resource_type=""
        )
    with pytest.raises(PermissionDenied):
        await perms.list_page(
            member, page_size=0, page_token="", subject="", resource=res, resource_type=""
        )
