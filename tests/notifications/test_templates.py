"""Templates: rendering, built-in ones, and tenants' own versions."""

from __future__ import annotations

import uuid

import pytest

from services.notifications.domain import SendInput
from services.notifications.model import TemplateDef
from services.notifications.templates import BUILTIN, render, variables_of
from services.runtime.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from tests.notifications.conftest import Service, caller


def test_render_fills_variables_and_keeps_escaped_dollars() -> None:
    template = TemplateDef("bill", "Your bill, ${name}", "Pay $$$amount by $due.")
    assert variables_of(template.subject, template.body) == ["amount", "due", "name"]
    subject, body = render(template, {"name": "Ada", "amount": "12", "due": "Friday", "x": "y"})
    assert (subject, body) == ("Your bill, Ada", "Pay $12 by Friday.")


def test_render_names_every_missing_variable() -> None:
    with pytest.raises(InvalidArgument) as err:
        render(BUILTIN["invitation"], {"inviter_name": "Grace"})
    fields = {f for f, _ in err.value.violations}
    assert fields == {"variables[invitation_url]", "variables[expires_at]"}
    assert "invitation_url" in err.value.message


def test_builtins_exist() -> None:
    assert {"welcome", "invitation", "password_changed"} <= set(BUILTIN)


@pytest.mark.usefixtures("no_smtp")
async def test_tenant_override_is_used_by_send_and_isolated(service: Service) -> None:
    tenant, other = str(uuid.uuid4()), str(uuid.uuid4())
    admin = caller("admin", tenant)
    own = await service.catalog.create(
        admin, "welcome", "Hi $first_name!", "Welcome aboard, $first_name.", "req-1"
    )
    assert own.variables == ["first_name"] and not own.builtin
    again = await service.catalog.create(admin, "welcome", "x", "y", "req-1")
    assert again.subject == "Hi $first_name!"  # the retry returns the first
    with pytest.raises(AlreadyExists):
        await service.catalog.create(admin, "welcome", "x", "y", "req-2")

    user = str(uuid.uuid4())
    request = SendInput(["in_app"], user, template="welcome", variables={"first_name": "Ada"})
    sent = await service.notifications.send(caller("service", tenant), request)
    assert (sent.subject, sent.body) == ("Hi Ada!", "Welcome aboard, Ada.")
    # The other tenant still has the built-in one, which needs workspace_name too.
    with pytest.raises(InvalidArgument):
        await service.notifications.send(caller("service", other), request)
    listed = {t.name: t for t in await service.catalog.list_all(caller("admin", other))}
    assert listed["welcome"].builtin and listed["welcome"].variables == [
        "first_name",
        "workspace_name",
    ]
    mine = {t.name: t for t in await service.catalog.list_all(admin)}
    assert not mine["welcome"].builtin and mine["invitation"].builtin


async def test_update_template(service: Service) -> None:
    tenant = str(uuid.uuid4())
    admin = caller("admin", tenant)
    # Updating a built-in one gives the tenant its own version.
    changed = await service.catalog.update(
        admin, "password_changed", {"subject": "Password changed", "body": ""}, []
    )
    assert (
        changed.subject == "Password changed" and changed.body == BUILTIN["password_changed"].body
    )
    changed = await service.catalog.update(
        admin, "password_changed", {"subject": "", "body": "Done, $first_name."}, ["body"]
    )
    assert changed.subject == "Password changed" and changed.body == "Done, $first_name."
    with pytest.raises(NotFound):
        await service.catalog.update(admin, "nope", {"subject": "s", "body": "b"}, [])
    with pytest.raises(InvalidArgument) as err:
        await service.catalog.update(admin, "welcome", {"subject": "", "body": ""}, ["subject"])
    assert {f for f, _ in err.value.violations} == {"template.subject"}
    with pytest.raises(InvalidArgument) as err:
        await service.catalog.update(admin, "welcome", {"subject": "s", "body": ""}, ["name"])
    assert {f for f, _ in err.value.violations} == {"update_mask"}


async def test_template_admin_rules_and_validation(service: Service) -> None:
    tenant = str(uuid.uuid4())
    with pytest.raises(PermissionDenied):
        await service.catalog.create(caller("member", tenant), "news", "s", "b", "")
    with pytest.raises(PermissionDenied):
        await service.catalog.list_all(caller("viewer", tenant))
    with pytest.raises(InvalidArgument) as err:
        await service.catalog.create(caller("admin", tenant), "Bad Name", "", "costs $ 5", "")
    fields = {f for f, _ in err.value.violations}
    assert fields == {"template.name", "template.subject", "template.body"}
