"""The users domain against real PostgreSQL and Redis, without gRPC."""

from __future__ import annotations

import uuid

import pytest

from services.runtime.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from services.users.domain import Users
from tests.users.conftest import caller


async def new_user(users: Users, tenant: str, role: str = "member", **extra: str) -> str:
    fields = {
        "email": f"{uuid.uuid4().hex[:8]}@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "role": role,
        **extra,
    }
    profile = await users.create(caller("service", tenant), fields, "", "")
    return profile.id


async def test_create_and_get_within_tenant(users: Users) -> None:
    tenant = str(uuid.uuid4())
    user_id = await new_user(users, tenant)
    profile = await users.get(caller("member", tenant), user_id)
    assert profile.display_name == "Ada Lovelace"
    assert profile.role == "member" and profile.is_active


async def test_other_tenant_sees_not_found(users: Users) -> None:
    user_id = await new_user(users, str(uuid.uuid4()))
    with pytest.raises(NotFound):
        await users.get(caller("admin", str(uuid.uuid4())), user_id)
    with pytest.raises(NotFound):
        await users.update(caller("admin", str(uuid.uuid4())), user_id, {"bio": "x"}, [])


async def test_create_validates_every_field(users: Users) -> None:
    tenant = str(uuid.uuid4())
    with pytest.raises(InvalidArgument) as err:
        await users.create(
            caller("service", tenant),
            {"email": "nope", "first_name": "", "last_name": "L", "role": "owner"},
            "",
            "",
        )
    fields = {f for f, _ in err.value.violations}
    assert fields == {"user.email", "user.first_name", "user.role"}


async def test_idempotent_retry_and_a_taken_id(users: Users) -> None:
    tenant = str(uuid.uuid4())
    service = caller("service", tenant)
    fields = {"email": f"{uuid.uuid4().hex[:8]}@Example.com", "first_name": "A", "last_name": "B"}
    first = await users.create(service, fields, "", "req-1")
    again = await users.create(service, fields, "", "req-1")
    assert again.id == first.id
    with pytest.raises(AlreadyExists, match="id already exists"):
        await users.create(service, {**fields, "id": first.id}, "", "req-2")


async def test_only_the_service_identity_creates_profiles(users: Users) -> None:
    """An admin could otherwise bind an address its owner never agreed to."""
    tenant = str(uuid.uuid4())
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    for role in ("admin", "member", "viewer"):
        with pytest.raises(PermissionDenied) as err:
            await users.create(
                caller(role, tenant), {"email": email, "first_name": "a", "last_name": "b"}, "", ""
            )
        assert err.value.message.startswith("users join by signing up or accepting an invitation")
    assert (await users.stats(caller("admin", tenant))).total == 0
    # The address is still free for whoever owns it.
    await users.create(
        caller("service", str(uuid.uuid4())),
        {"email": email, "first_name": "a", "last_name": "b"},
        "",
        "",
    )


async def test_member_cannot_create_or_act_as_admin(users: Users) -> None:
    tenant = str(uuid.uuid4())
    target = await new_user(users, tenant)
    member = caller("member", tenant)
    with pytest.raises(PermissionDenied):
        await users.create(
            member, {"email": "m@example.com", "first_name": "a", "last_name": "b"}, "", ""
        )
    with pytest.raises(PermissionDenied):
        await users.update(member, target, {"bio": "hi"}, [])
    with pytest.raises(PermissionDenied):
        await users.delete(member, target)


async def test_self_update_cannot_change_role(users: Users) -> None:
    tenant = str(uuid.uuid4())
    me = await new_user(users, tenant)
    self_caller = caller("member", tenant, me)
    updated = await users.update(self_caller, me, {"bio": "hello", "first_name": " Ada "}, [])
    assert updated.bio == "hello" and updated.first_name == "Ada"
    with pytest.raises(InvalidArgument, match="only admins can change role"):
        await users.update(self_caller, me, {"role": "admin"}, ["role"])
    with pytest.raises(InvalidArgument, match="unknown field"):
        await users.update(self_caller, me, {}, ["nickname"])
    assert (await users.get(self_caller, me)).role == "member"


async def test_soft_delete_hides_user(users: Users) -> None:
    tenant = str(uuid.uuid4())
    admin_id = await new_user(users, tenant, role="admin")
    admin = caller("admin", tenant, admin_id)
    target = await new_user(users, tenant)
    deleted = await users.delete(admin, target)
    assert deleted.deleted_at is not None and not deleted.is_active
    with pytest.raises(NotFound):
        await users.get(admin, target)
    with pytest.raises(FailedPrecondition):
        await users.delete(admin, admin_id)


async def test_list_pages_filters_and_orders(users: Users) -> None:
    tenant = str(uuid.uuid4())
    ids = [await new_user(users, tenant, last_name=f"N{i}") for i in range(5)]
    await new_user(users, tenant, role="viewer")
    member = caller("member", tenant)
    seen: list[str] = []
    token = ""
    while True:
        page, total, token = await users.list_page(
            member,
            page_size=2,
            page_token=token,
            role="member",
            is_active=None,
            search="",
            order_by="last_name desc",
        )
        assert total == 5
        seen += [p.id for p in page]
        if not token:
            break
    assert seen == list(reversed(ids))
    with pytest.raises(InvalidArgument, match="order_by"):
        await users.list_page(
            member,
            page_size=0,
            page_token="",
            role="",
            is_active=None,
            search="",
            order_by="password",
        )
    with pytest.raises(InvalidArgument, match="page_size"):
        await users.list_page(
            member, page_size=101, page_token="", role="", is_active=None, search="", order_by=""
        )
    with pytest.raises(InvalidArgument, match="page_token"):
        await users.list_page(
            member,
            page_size=2,
            page_token="forged",
            role="",
            is_active=None,
            search="",
            order_by="",
        )


async def test_stats_count_the_tenant_only(users: Users) -> None:
    tenant = str(uuid.uuid4())
    for role in ("admin", "member", "member"):
        await new_user(users, tenant, role=role)
    await new_user(users, str(uuid.uuid4()))
    stats = await users.stats(caller("viewer", tenant))
    assert (stats.total, stats.active, stats.recent_signups) == (3, 3, 3)
    assert stats.by_role == {"admin": 1, "member": 2}
