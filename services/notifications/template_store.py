"""PostgreSQL storage of the tenants' own templates; built-in ones live in templates.py."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.notifications.model import TemplateDef
from services.notifications.tables import tenant_templates


def _to_template(row: Any) -> TemplateDef:
    return TemplateDef(
        row.name, row.subject, row.body, created_at=row.created_at, updated_at=row.updated_at
    )


class TemplateStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def get(self, tenant_id: str, name: str) -> tuple[TemplateDef, str | None] | None:
        """The tenant's template and the request_id that created it."""
        query = sa.select(tenant_templates).where(
            tenant_templates.c.tenant_id == tenant_id, tenant_templates.c.name == name
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return (_to_template(row), row.request_id) if row else None

    async def list_for(self, tenant_id: str) -> list[TemplateDef]:
        query = sa.select(tenant_templates).where(tenant_templates.c.tenant_id == tenant_id)
        async with self.engine.connect() as conn:
            return [_to_template(r) for r in (await conn.execute(query)).all()]

    async def insert(self, tenant_id: str, template: TemplateDef, request_id: str | None) -> bool:
        """False when the tenant already has a template of that name."""
        try:
            async with self.engine.begin() as conn:
                await conn.execute(
                    tenant_templates.insert().values(
                        tenant_id=tenant_id,
                        name=template.name,
                        subject=template.subject,
                        body=template.body,
                        request_id=request_id,
                        created_at=template.created_at,
                        updated_at=template.updated_at,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def update(self, tenant_id: str, template: TemplateDef) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                tenant_templates.update()
                .where(
                    tenant_templates.c.tenant_id == tenant_id,
                    tenant_templates.c.name == template.name,
                )
                .values(
                    subject=template.subject, body=template.body, updated_at=template.updated_at
                )
            )
