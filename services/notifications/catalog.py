"""Which templates a tenant can send: the built-in ones, replaced by the tenant's own.

Only admins (and mesh services) change them; a change is checked for valid $-syntax
before it is stored, so a bad template can never reach Send.
"""

from __future__ import annotations

from dataclasses import replace

from services.notifications.model import TemplateDef
from services.notifications.template_store import TemplateStore
from services.notifications.templates import (
    BUILTIN,
    MAX_BODY,
    MAX_SUBJECT,
    check_name,
    check_text,
    with_variables,
)
from services.runtime import clock
from services.runtime.errors import AlreadyExists, NotFound, Violations, invalid
from services.runtime.identity import Caller

EDITABLE = ("subject", "body")


class Catalog:
    def __init__(self, store: TemplateStore) -> None:
        self.store = store

    async def resolve(self, tenant_id: str, name: str) -> TemplateDef:
        """The template Send renders; an unknown name is the caller's mistake."""
        own = await self.store.get(tenant_id, name)
        if own is not None:
            return with_variables(own[0])
        if name in BUILTIN:
            return with_variables(replace(BUILTIN[name]))
        raise invalid("template", f"unknown template {name!r}", reason="TEMPLATE_UNKNOWN")

    async def list_all(self, caller: Caller) -> list[TemplateDef]:
        caller.require_admin()
        by_name = {name: replace(t) for name, t in BUILTIN.items()}
        for own in await self.store.list_for(caller.tenant_id):
            by_name[own.name] = own
        return [with_variables(by_name[name]) for name in sorted(by_name)]

    async def create(
        self, caller: Caller, name: str, subject: str, body: str, request_id: str
    ) -> TemplateDef:
        caller.require_admin()
        v = Violations()
        check_name(v, "template.name", name)
        check_text(v, "template.subject", subject, MAX_SUBJECT)
        check_text(v, "template.body", body, MAX_BODY)
        v.raise_if_any()
        stamp = clock.now()
        template = TemplateDef(name, subject, body, created_at=stamp, updated_at=stamp)
        if not await self.store.insert(caller.tenant_id, template, request_id or None):
            existing = await self.store.get(caller.tenant_id, name)
            if existing is not None and request_id and existing[1] == request_id:
                return with_variables(existing[0])
            raise AlreadyExists(
                f"the tenant already has a template {name!r}; use UpdateTemplate",
                reason="TEMPLATE_EXISTS",
            )
        return with_variables(template)

    async def update(
        self, caller: Caller, name: str, changes: dict[str, str], mask: list[str]
    ) -> TemplateDef:
        caller.require_admin()
        v = Violations()
        for path in mask:
            if path not in EDITABLE:
                v.add("update_mask", f"{path!r} cannot be changed; use {' or '.join(EDITABLE)}")
        wanted = {k: changes[k] for k in (mask or EDITABLE) if k in EDITABLE}
        if not mask:
            wanted = {k: value for k, value in wanted.items() if value}
        limits = {"subject": MAX_SUBJECT, "body": MAX_BODY}
        for key, value in wanted.items():
            check_text(v, f"template.{key}", value, limits[key])
        if not name:
            v.add("template.name", "is required")
        v.raise_if_any()
        stamp = clock.now()
        own = await self.store.get(caller.tenant_id, name)
        if own is None:
            if name not in BUILTIN:
                raise NotFound(f"template {name!r} not found", reason="TEMPLATE_NOT_FOUND")
            base = replace(BUILTIN[name], builtin=False, created_at=stamp, updated_at=stamp)
            created = replace(
                base,
                subject=wanted.get("subject", base.subject),
                body=wanted.get("body", base.body),
            )
            if await self.store.insert(caller.tenant_id, created, None):
                return with_variables(created)
            own = await self.store.get(caller.tenant_id, name)  # created concurrently
            assert own is not None
        old = own[0]
        updated = replace(
            old,
            subject=wanted.get("subject", old.subject),
            body=wanted.get("body", old.body),
            updated_at=stamp,
        )
        await self.store.update(caller.tenant_id, updated)
        return with_variables(updated)
