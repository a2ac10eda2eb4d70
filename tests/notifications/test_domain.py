"""The notifications domain against real PostgreSQL, without gRPC: in-app notifications,
idempotent Send, permissions, tenant isolation and bad input."""

from __future__ import annotations

import uuid

import pytest

from services.notifications.domain import SendInput
from services.runtime.errors import InvalidArgument, NotFound, PermissionDenied
from tests.notifications.conftest import Service, caller


def welcome(user_id: str, request_id: str = "", **overrides: object) -> SendInput:
    values: dict[str, object] = {
        "channels": ["in_app"],
        "recipient_user_id": user_id,
        "template": "welcome",
        "variables": {"first_name": "Ada", "workspace_name": "Ada's workspace"},
        "request_id": request_id,
    }
    values.update(overrides)
    return SendInput(**values)  # type: ignore[arg-type]


def fields_of(err: pytest.ExceptionInfo[InvalidArgument]) -> set[str]:
    return {f for f, _ in err.value.violations}


@pytest.mark.usefixtures("no_smtp")
async def test_in_app_send_renders_the_template_and_lists_for_the_recipient(
    service: Service,
) -> None:
    tenant, user = str(uuid.uuid4()), str(uuid.uuid4())
    sent = await service.notifications.send(caller("service", tenant), welcome(user))
    assert sent.subject == "Welcome to tablemesh, Ada"
    assert 'Your workspace "Ada\'s workspace"' in sent.body
    assert sent.email_state == "" and sent.read_at is None
    found, unread, token = await service.notifications.list_page(
        caller("member", tenant, user), page_size=0, page_token="", unread_only=False
    )
    assert [n.id for n in found] == [sent.id] and unread == 1 and token == ""


@pytest.mark.usefixtures("no_smtp")
async def test_send_is_idempotent_per_request_id(service: Service) -> None:
    tenant, user = str(uuid.uuid4()), str(uuid.uuid4())
    saga = caller("service", tenant)
    request_id = f"saga-{uuid.uuid4()}:welcome_notification"
    first = await service.notifications.send(
        saga,
        welcome(user, request_id, channels=["in_app", "email"], recipient_email="ada@example.com"),
    )
    again = await service.notifications.send(
        saga,
        welcome(user, request_id, channels=["in_app", "email"], recipient_email="ada@example.com"),
    )
    assert again.id == first.id and again.created_at == first.created_at
    found, _, _ = await service.notifications.list_page(
        caller("member", tenant, user), page_size=10, page_token="", unread_only=False
    )
    assert len(found) == 1
    # Another tenant's identical request_id is a different notification.
    other = await service.notifications.send(
        caller("service", str(uuid.uuid4())), welcome(user, request_id)
    )
    assert other.id != first.id


@pytest.mark.usefixtures("no_smtp")
async def test_only_admins_and_services_send(service: Service) -> None:
    tenant = str(uuid.uuid4())
    with pytest.raises(PermissionDenied):
        await service.notifications.send(caller("member", tenant), welcome(str(uuid.uuid4())))
    admin_sent = await service.notifications.send(
        caller("admin", tenant), welcome(str(uuid.uuid4()))
    )
    assert admin_sent.tenant_id == tenant


@pytest.mark.usefixtures("no_smtp")
async def test_mark_read_only_by_the_recipient(service: Service) -> None:
    tenant, user = str(uuid.uuid4()), str(uuid.uuid4())
    sent = await service.notifications.send(caller("service", tenant), welcome(user))
    for stranger in (
        caller("member", tenant),  # same tenant, someone else
        caller("admin", tenant),  # not even an admin
        caller("member", str(uuid.uuid4()), user),  # same user id, another tenant
    ):
        with pytest.raises(NotFound):
            await service.notifications.mark_read(stranger, sent.id)
    me = caller("member", tenant, user)
    read = await service.notifications.mark_read(me, sent.id)
    assert read.read_at is not None
    again = await service.notifications.mark_read(me, sent.id)
    assert again.read_at == read.read_at  # the first read time stays
    with pytest.raises(NotFound):
        await service.notifications.mark_read(me, str(uuid.uuid4()))
    with pytest.raises(InvalidArgument) as err:
        await service.notifications.mark_read(me, "not-a-uuid")
    assert fields_of(err) == {"notification_id"}


@pytest.mark.usefixtures("no_smtp")
async def test_list_pages_newest_first_with_unread_filter(service: Service) -> None:
    tenant, user = str(uuid.uuid4()), str(uuid.uuid4())
    saga = caller("service", tenant)
    sent = [
        await service.notifications.send(
            saga, SendInput(["in_app"], user, subject=f"n{i}", body="b")
        )
        for i in range(5)
    ]
    # Email-only notifications and other people's are not in the inbox.
    await service.notifications.send(
        saga, SendInput(["email"], user, "ada@example.com", subject="mail", body="b")
    )
    await service.notifications.send(
        saga, SendInput(["in_app"], str(uuid.uuid4()), subject="x", body="b")
    )
    me = caller("member", tenant, user)
    await service.notifications.mark_read(me, sent[3].id)
    seen: list[str] = []
    token = ""
    while True:
        page, unread, token = await service.notifications.list_page(
            me, page_size=2, page_token=token, unread_only=False
        )
        seen += [n.subject for n in page]
        assert unread == 4
        if not token:
            break
    assert seen == ["n4", "n3", "n2", "n1", "n0"]
    unread_page, _, _ = await service.notifications.list_page(
        me, page_size=10, page_token="", unread_only=True
    )
    assert [n.subject for n in unread_page] == ["n4", "n2", "n1", "n0"]
    with pytest.raises(InvalidArgument):  # a token is bound to its filters
        first, _, token = await service.notifications.list_page(
            me, page_size=2, page_token="", unread_only=False
        )
        await service.notifications.list_page(me, page_size=2, page_token=token, unread_only=True)
    with pytest.raises(InvalidArgument):
        await service.notifications.list_page(me, page_size=101, page_token="", unread_only=False)


@pytest.mark.usefixtures("no_smtp")
async def test_delete_is_admin_only_idempotent_and_tenant_scoped(service: Service) -> None:
    tenant, user = str(uuid.uuid4()), str(uuid.uuid4())
    saga = caller("service", tenant)
    request_id = f"saga-{uuid.uuid4()}:welcome"
    sent = await service.notifications.send(
        saga,
        welcome(user, request_id, channels=["in_app", "email"], recipient_email="a@example.com"),
    )
    with pytest.raises(PermissionDenied):
        await service.notifications.delete(caller("member", tenant, user), sent.id, "")
    with pytest.raises(NotFound):
        await service.notifications.delete(caller("service", str(uuid.uuid4())), sent.id, "")
    await service.notifications.delete(saga, "", request_id)
    await service.notifications.delete(saga, "", request_id)  # a repeated compensation
    await service.notifications.delete(saga, sent.id, "")
    await service.notifications.delete(saga, "", f"never-sent-{uuid.uuid4()}")  # nothing to undo
    found, unread, _ = await service.notifications.list_page(
        caller("member", tenant, user), page_size=10, page_token="", unread_only=False
    )
    assert found == [] and unread == 0
    # Its email was never sent and never will be.
    gone = await service.notifications.store.get(tenant, sent.id)
    assert gone is not None and gone.email_state == "cancelled"
    # A late retry of the original Send does not bring it back.
    retried = await service.notifications.send(
        saga,
        welcome(user, request_id, channels=["in_app", "email"], recipient_email="a@example.com"),
    )
    assert retried.id == sent.id and retried.deleted_at is not None
    with pytest.raises(InvalidArgument):
        await service.notifications.delete(saga, "", "")


@pytest.mark.usefixtures("no_smtp")
async def test_bad_input_names_the_field_and_stores_nothing(service: Service) -> None:
    tenant, user = str(uuid.uuid4()), str(uuid.uuid4())
    saga = caller("service", tenant)
    cases: list[tuple[SendInput, set[str]]] = [
        (welcome(user, template="no_such_template"), {"template"}),
        (welcome(user, variables={"first_name": "Ada"}), {"variables[workspace_name]"}),
        (welcome(user, channels=["email"], recipient_email="not-an-email"), {"recipient_email"}),
        (welcome(user, channels=["sms"]), {"channels"}),
        (welcome(user, channels=[]), {"channels"}),
        (welcome("not-a-uuid"), {"recipient_user_id"}),
        (welcome(user, template="", variables={}), {"subject", "body"}),
        (welcome(user, subject="s", body="b"), {"template"}),
        (
            welcome(user, channels=["email", "pigeon"], recipient_email=""),
            {"channels", "recipient_email"},
        ),
    ]
    for request, expected in cases:
        with pytest.raises(InvalidArgument) as err:
            await service.notifications.send(saga, request)
        assert fields_of(err) == expected, request
    assert "workspace_name" in str(
        (await _error(service, saga, welcome(user, variables={"first_name": "Ada"}))).message
    )
    found, _, _ = await service.notifications.list_page(
        caller("member", tenant, user), page_size=10, page_token="", unread_only=False
    )
    assert found == []


async def _error(service: Service, who: object, request: SendInput) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as err:
        await service.notifications.send(who, request)  # type: ignore[arg-type]
    return err.value


@pytest.mark.usefixtures("no_smtp")
async def test_a_compensation_that_overtakes_its_send_wins(service: Service) -> None:
    """The saga undoes a Send whose call is still on its way: the late Send creates
    nothing and sends no email."""
    tenant, user = str(uuid.uuid4()), str(uuid.uuid4())
    saga = caller("service", tenant)
    request_id = f"saga-{uuid.uuid4()}:welcome"
    await service.notifications.delete(saga, "", request_id)
    late = await service.notifications.send(
        saga,
        welcome(user, request_id, channels=["in_app", "email"], recipient_email="a@example.com"),
    )
    assert late.deleted_at is not None and late.email_state == ""
    found, unread, _ = await service.notifications.list_page(
        caller("member", tenant, user), page_size=10, page_token="", unread_only=False
    )
    assert found == [] and unread == 0
