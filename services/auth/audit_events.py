"""The security-relevant events auth announces (the audit service records them): built
here, written by the flows in the transaction of their change, or through the spool for
attempts that changed nothing."""

from __future__ import annotations

from typing import Any

from tablemesh.events.v1.events_pb2 import (
    Actor,
    ActorKind,
    ApiKeyChanged,
    Event,
    InvitationChanged,
    ServiceTokenActivity,
    SignInActivity,
)

from services.runtime.events import new_event

SOURCE = "auth"


def user_actor(user_id: str, role: str) -> Actor:
    return Actor(kind=ActorKind.ACTOR_KIND_USER, id=user_id, role=role)


def sign_in(
    type_: str,
    tenant_id: str,
    user_id: str,
    email: str,
    method: str,
    role: str = "",
    reason: str = "",
) -> Event:
    """auth.* about one account; the account itself is the actor where it is known (a
    sign-in is made by no token yet)."""
    actor = user_actor(user_id, role) if user_id else Actor(kind=ActorKind.ACTOR_KIND_ANONYMOUS)
    activity = SignInActivity(user_id=user_id, email=email, method=method, reason=reason)
    return new_event(type_, tenant_id, SOURCE, actor=actor, sign_in=activity)


def invitation(
    type_: str, tenant_id: str, row: Any, user_id: str = "", actor: Actor | None = None
) -> Event:
    changed = InvitationChanged(
        invitation_id=str(row.id),
        email=str(row.email),
        role=str(row.role),
        user_id=user_id,
    )
    return new_event(type_, tenant_id, SOURCE, actor=actor, invitation=changed)


def api_key(type_: str, tenant_id: str, row: Any) -> Event:
    changed = ApiKeyChanged(
        key_id=str(row.id),
        display_name=str(row.display_name),
        prefix=str(row.prefix),
        user_id=str(row.user_id),
    )
    return new_event(type_, tenant_id, SOURCE, api_key=changed)


def service_token(
    type_: str, tenant_id: str, service: str, on_behalf_of: str, reason: str = ""
) -> Event:
    actor = Actor(kind=ActorKind.ACTOR_KIND_SERVICE, id=service, role="service")
    activity = ServiceTokenActivity(service=service, on_behalf_of=on_behalf_of, reason=reason)
    return new_event(type_, tenant_id, SOURCE, actor=actor, service_token=activity)
