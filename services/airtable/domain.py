"""What the airtable service does, whichever backend holds the data.

Every request is checked here, the same way for both backends, before the backend sees
it: ids, names, field specs, batch sizes (at most 10), values against field types, sort
keys, field names and the filter formula (parsed against the table's fields). The tenant
comes from the caller, never from the request.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Protocol

from services.airtable import checks
from services.airtable.backend import Backend
from services.airtable.base_access import BaseAccess
from services.airtable.fieldtypes import with_defaults
from services.airtable.model import (
    MAX_PAGE_SIZE,
    Base,
    Field,
    Record,
    RecordQuery,
    Table,
    TableSpec,
)
from services.formula import FormulaError, UnknownField, compile_formula
from services.runtime import pagination
from services.runtime.errors import AlreadyExists, NotFound, PermissionDenied, Violations, invalid
from services.runtime.identity import Caller
from services.runtime.keyset import Key
from services.runtime.validation import check_uuid

DEFAULT_TABLE = TableSpec("Table 1", "", [Field("", "Name", "singleLineText")])


def require_writer(caller: Caller) -> None:
    if caller.role == "viewer":
        raise PermissionDenied("viewers cannot change bases or records", reason="VIEWER")


def with_type_defaults(spec: TableSpec) -> TableSpec:
    fields = [
        Field(f.id, f.name, f.type, f.description, with_defaults(f.type, f.options))
        for f in spec.fields
    ]
    return TableSpec(spec.name, spec.description, fields)


class Links(Protocol):
    async def link(self, tenant_id: str, workspace_id: str, base_id: str) -> None: ...


class Airtable:
    def __init__(self, backend: Backend, access: BaseAccess, links: Links) -> None:
        self.backend = backend
        self.access = access
        self.links = links

    async def list_bases(
        self, caller: Caller, page_size: int, page_token: str
    ) -> tuple[list[Base], str]:
        only = await self.access.readable(caller)

        def fetch(size: int, after: Key | None) -> Awaitable[tuple[list[Base], Key | None]]:
            return self.backend.list_bases(caller.tenant_id, size, after, only)

        return await pagination.paged(fetch, page_size, page_token, what="bases")

    async def create_base(
        self,
        caller: Caller,
        name: str,
        specs: list[TableSpec],
        request_id: str,
        workspace_id: str = "",
    ) -> tuple[Base, list[Table]]:
        require_writer(caller)
        v = Violations()
        name = checks.check_name(v, "name", name)
        if len(name) > 100:
            v.add("name", "must be at most 100 characters")
        clean = [checks.check_table_spec(v, f"tables[{i}]", s) for i, s in enumerate(specs)]
        names = [s.name.lower() for s in clean]
        for i, table_name in enumerate(names):
            if table_name in names[:i]:
                v.add(f"tables[{i}].name", f"{clean[i].name!r} is used twice")
        if len(request_id) > 200:
            v.add("request_id", "must be at most 200 characters")
        if workspace_id:
            check_uuid(v, "workspace_id", workspace_id)
        v.raise_if_any()
        await self.access.require_workspace_admin(caller, workspace_id)
        tables = [with_type_defaults(s) for s in clean or [DEFAULT_TABLE]]
        base, made = await self.backend.create_base(caller.tenant_id, name, tables, request_id)
        if workspace_id:
            try:
                await self.links.link(caller.tenant_id, workspace_id, base.id)
            except Exception:
                # Not left behind in no workspace, where only tenant admins would see it.
                await self.backend.delete_base(caller.tenant_id, base.id)
                raise
        return base, made

    async def delete_base(self, caller: Caller, base_id: str) -> None:
        """Tenant admins, the owners of the base's workspace and mesh services (the
        onboarding saga undoes its sample base)."""
        require_writer(caller)
        checks.check_id("app", "base_id", base_id)
        await self.access.require(caller, base_id, "delete")
        await self.backend.delete_base(caller.tenant_id, base_id)

    async def get_schema(self, caller: Caller, base_id: str, action: str = "read") -> list[Table]:
        """The base's tables, once the caller may perform `action` on the base."""
        checks.check_id("app", "base_id", base_id)
        await self.access.require(caller, base_id, action)
        return await self.backend.get_schema(caller.tenant_id, base_id)

    async def table(
        self, caller: Caller, base_id: str, table_id: str, action: str = "read"
    ) -> Table:
        """The table named by id or name, from the (cached) schema of a base of the tenant."""
        if not table_id:
            raise invalid("table_id", "is required")
        for table in await self.get_schema(caller, base_id, action):
            if table_id in (table.id, table.name):
                return table
        raise NotFound(f"table {table_id} not found in base {base_id}", reason="TABLE_NOT_FOUND")

    async def create_table(self, caller: Caller, base_id: str, spec: TableSpec) -> Table:
        require_writer(caller)
        v = Violations()
        clean = checks.check_table_spec(v, "", spec)
        v.raise_if_any()
        existing = await self.get_schema(caller, base_id, "admin")
        if any(t.name.lower() == clean.name.lower() for t in existing):
            raise AlreadyExists(
                f"a table named {clean.name!r} already exists", reason="TABLE_EXISTS"
            )
        return await self.backend.create_table(caller.tenant_id, base_id, with_type_defaults(clean))

    async def create_field(
        self, caller: Caller, base_id: str, table_id: str, field: Field
    ) -> Field:
        require_writer(caller)
        v = Violations()
        clean = checks.check_field_spec(v, "", field)
        v.raise_if_any()
        table = await self.table(caller, base_id, table_id, "admin")
        if any(f.name.lower() == clean.name.lower() for f in table.fields):
            raise AlreadyExists(
                f"a field named {clean.name!r} already exists", reason="FIELD_EXISTS"
            )
        clean.options = with_defaults(clean.type, clean.options)
        return await self.backend.create_field(caller.tenant_id, base_id, table.id, clean)

    async def list_records(
        self,
        caller: Caller,
        base_id: str,
        table_id: str,
        *,
        formula: str,
        sort: list[str],
        fields: list[str],
        view: str,
        page_size: int,
        page_token: str,
    ) -> tuple[list[Record], str]:
        size = pagination.page_size(page_size, default=MAX_PAGE_SIZE, cap=MAX_PAGE_SIZE)
        table = await self.table(caller, base_id, table_id)
        v = Violations()
        sort_keys = checks.check_sort(v, table, sort)
        names = checks.check_field_names(v, table, fields)
        chosen_view = table.view(view) if view else None
        if view and chosen_view is None:
            v.add("view", f"unknown view '{view}'")
        compiled = None
        if formula.strip():
            try:
                compiled = compile_formula(formula, table.field_types())
            except (FormulaError, UnknownField) as exc:
                v.add("filter_by_formula", str(exc))
        v.raise_if_any()
        fp = pagination.fingerprint(
            t=table.id, f=formula, s=[(k.field, k.descending) for k in sort_keys],
            n=names, v=chosen_view.id if chosen_view else "", p=size,
        )  # fmt: skip
        after = pagination.decode_token(page_token, fp)
        query = RecordQuery(
            compiled, sort_keys, names, chosen_view, size, after[0] if after else None
        )
        found, cursor = await self.backend.list_records(caller.tenant_id, base_id, table, query)
        return found, pagination.encode_token([cursor], fp) if cursor is not None else ""

    async def get_record(
        self, caller: Caller, base_id: str, table_id: str, record_id: str
    ) -> Record:
        checks.check_id("rec", "record_id", record_id)
        table = await self.table(caller, base_id, table_id)
        return await self.backend.get_record(caller.tenant_id, base_id, table, record_id)

    async def create_records(
        self,
        caller: Caller,
        base_id: str,
        table_id: str,
        values: list[dict[str, Any]],
        typecast: bool,
        request_id: str,
    ) -> list[Record]:
        require_writer(caller)
        v = Violations()
        checks.check_batch(v, len(values))
        v.raise_if_any()
        table = await self.table(caller, base_id, table_id, "write")
        writes = checks.check_writes(v, table, [("", f) for f in values], typecast)
        v.raise_if_any()
        return await self.backend.create_records(
            caller.tenant_id, base_id, table, writes, typecast, request_id
        )

    async def update_records(
        self,
        caller: Caller,
        base_id: str,
        table_id: str,
        changes: list[tuple[str, dict[str, Any]]],
        typecast: bool,
        replace: bool,
    ) -> list[Record]:
        require_writer(caller)
        v = Violations()
        checks.check_batch(v, len(changes))
        checks.check_record_ids(v, [record_id for record_id, _ in changes], "records", ".id")
        v.raise_if_any()
        table = await self.table(caller, base_id, table_id, "write")
        writes = checks.check_writes(v, table, changes, typecast)
        v.raise_if_any()
        return await self.backend.update_records(
            caller.tenant_id, base_id, table, writes, typecast, replace
        )

    async def delete_records(
        self, caller: Caller, base_id: str, table_id: str, record_ids: list[str]
    ) -> list[str]:
        require_writer(caller)
        v = Violations()
        checks.check_batch(v, len(record_ids), "record_ids")
        checks.check_record_ids(v, record_ids, "record_ids", "")
        v.raise_if_any()
        table = await self.table(caller, base_id, table_id, "write")
        return await self.backend.delete_records(caller.tenant_id, base_id, table, record_ids)
