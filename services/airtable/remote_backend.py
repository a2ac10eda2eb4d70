"""The `airtable` backend: the real Airtable REST API, tenant-scoped by the link table.

Records: GET/POST/PATCH/PUT/DELETE /v0/{baseId}/{tableId} (offset pagination, typecast).
Schema: the meta API under /v0/meta/bases. CreateBase needs the workspace to create bases
in: TABLEMESH_AIRTABLE_WORKSPACE_ID.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import Event

from services.airtable import changes
from services.airtable.airtable_http import AirtableHttp
from services.airtable.links import Links
from services.airtable.local_schema import outbox
from services.airtable.model import Base, Field, Record, RecordQuery, Table, TableSpec, Write
from services.airtable.remote_json import (
    field_from,
    field_json,
    query_params,
    record_from,
    record_json,
    table_from,
    table_json,
)
from services.runtime import events
from services.runtime.config import Settings
from services.runtime.errors import FailedPrecondition, NotFound

WORKSPACE_VARIABLE = "TABLEMESH_AIRTABLE_WORKSPACE_ID"


class RemoteBackend:
    name = "airtable"

    def __init__(
        self, http: AirtableHttp, links: Links, workspace_id: str, engine: AsyncEngine
    ) -> None:
        self.http = http
        self.links = links
        self.workspace_id = workspace_id
        self._engine = engine

    async def _announce(self, event: Event) -> None:
        """Announces a change Airtable accepted (see services/airtable/changes.py)."""
        await events.emit_alone(self._engine, outbox, event)

    @classmethod
    def from_settings(cls, cfg: Settings, engine: AsyncEngine, redis: Redis) -> RemoteBackend:
        if cfg.airtable_token is None:
            raise SystemExit("airtable: TABLEMESH_AIRTABLE_TOKEN is not set (backend 'airtable')")
        http = AirtableHttp(
            cfg.airtable_api_url,
            cfg.airtable_token.get_secret_value(),
            cfg.airtable_requests_per_second,
            redis=redis,
        )
        return cls(http, Links(engine), cfg.airtable_workspace_id, engine)

    async def close(self) -> None:
        await self.http.close()

    async def _own(self, tenant_id: str, base_id: str) -> Base:
        base = await self.links.owned(tenant_id, base_id)
        if base is None:
            raise NotFound(f"base {base_id} not found", reason="BASE_NOT_FOUND")
        return base

    async def list_bases(
        self,
        tenant_id: str,
        page_size: int,
        after: list[Any] | None,
        only: Collection[str] | None = None,
    ) -> tuple[list[Base], list[Any] | None]:
        page, last = await self.links.page(tenant_id, page_size, after, only)
        if page:  # current names: a base may have been renamed in Airtable
            names: dict[str, str] = {}
            offset: str | None = ""
            while offset is not None:
                answer = await self.http.call(
                    "GET", "/v0/meta/bases", params={"offset": offset} if offset else None
                )
                names.update({b["id"]: b["name"] for b in answer.get("bases", [])})
                offset = answer.get("offset")
            for base in page:
                base.name = names.get(base.id, base.name)
        return page, last

    async def create_base(
        self, tenant_id: str, name: str, tables: list[TableSpec], request_id: str
    ) -> tuple[Base, list[Table]]:
        if request_id and (seen := await self.links.by_request(tenant_id, request_id)):
            return seen, await self.get_schema(tenant_id, seen.id)
        if not self.workspace_id:
            raise FailedPrecondition(
                f"creating Airtable bases needs {WORKSPACE_VARIABLE}", reason="NO_WORKSPACE"
            )
        body = {
            "name": name,
            "workspaceId": self.workspace_id,
            "tables": [table_json(t) for t in tables],
        }
        answer = await self.http.call("POST", "/v0/meta/bases", body=body, what="workspace")
        base = await self.links.link(tenant_id, answer["id"], name, request_id)
        await self._announce(changes.base_changed("base.created", tenant_id, base))
        return base, [table_from(t) for t in answer.get("tables", [])]

    async def delete_base(self, tenant_id: str, base_id: str) -> None:
        # Airtable has no API to delete a base: the tenant lets go of it, Airtable keeps it.
        base = await self._own(tenant_id, base_id)
        if not await self.links.unlink(tenant_id, base_id):
            raise NotFound(f"base {base_id} not found", reason="BASE_NOT_FOUND")
        await self._announce(changes.base_changed("base.deleted", tenant_id, base))

    async def get_schema(self, tenant_id: str, base_id: str) -> list[Table]:
        await self._own(tenant_id, base_id)
        path = f"/v0/meta/bases/{base_id}/tables"
        answer = await self.http.call("GET", path, base_id=base_id, what=f"base {base_id}")
        return [table_from(t) for t in answer.get("tables", [])]

    async def create_table(self, tenant_id: str, base_id: str, spec: TableSpec) -> Table:
        await self._own(tenant_id, base_id)
        path = f"/v0/meta/bases/{base_id}/tables"
        answer = await self.http.call("POST", path, base_id=base_id, body=table_json(spec))
        table = table_from(answer)
        await self._announce(changes.table_created(tenant_id, base_id, table))
        return table

    async def create_field(
        self, tenant_id: str, base_id: str, table_id: str, field: Field
    ) -> Field:
        await self._own(tenant_id, base_id)
        path = f"/v0/meta/bases/{base_id}/tables/{table_id}/fields"
        answer = await self.http.call("POST", path, base_id=base_id, body=field_json(field))
        created = field_from(answer)
        await self._announce(changes.field_created(tenant_id, base_id, table_id, created))
        return created

    async def list_records(
        self, tenant_id: str, base_id: str, table: Table, query: RecordQuery
    ) -> tuple[list[Record], Any]:
        await self._own(tenant_id, base_id)
        answer = await self.http.call(
            "GET", f"/v0/{base_id}/{table.id}", base_id=base_id, params=query_params(query)
        )
        return [record_from(r) for r in answer.get("records", [])], answer.get("offset")

    async def get_record(
        self, tenant_id: str, base_id: str, table: Table, record_id: str
    ) -> Record:
        await self._own(tenant_id, base_id)
        path = f"/v0/{base_id}/{table.id}/{record_id}"
        return record_from(
            await self.http.call("GET", path, base_id=base_id, what=f"record {record_id}")
        )

    async def create_records(
        self,
        tenant_id: str,
        base_id: str,
        table: Table,
        writes: list[Write],
        typecast: bool,
        request_id: str,
    ) -> list[Record]:
        await self._own(tenant_id, base_id)
        if request_id and (seen := await self.links.replay(tenant_id, table.id, request_id)):
            return [record_from(r) for r in seen]
        fields = [{k: v for k, v in w.fields.items() if v is not None} for w in writes]
        body = {"records": [{"fields": f} for f in fields], "typecast": typecast}
        answer = await self.http.call(
            "POST", f"/v0/{base_id}/{table.id}", base_id=base_id, body=body
        )
        created = [record_from(r) for r in answer.get("records", [])]
        if request_id:
            await self.links.remember(
                tenant_id, table.id, request_id, [record_json(r) for r in created]
            )
        await self._announce(changes.records_created(tenant_id, base_id, table, created))
        return created

    async def update_records(
        self,
        tenant_id: str,
        base_id: str,
        table: Table,
        writes: list[Write],
        typecast: bool,
        replace: bool,
    ) -> list[Record]:
        await self._own(tenant_id, base_id)
        items = [
            {
                "id": w.record_id,
                "fields": {k: v for k, v in w.fields.items() if v is not None or not replace},
            }
            for w in writes
        ]
        answer = await self.http.call(
            "PUT" if replace else "PATCH",
            f"/v0/{base_id}/{table.id}",
            base_id=base_id,
            body={"records": items, "typecast": typecast},
            what="record",
        )
        updated = [record_from(r) for r in answer.get("records", [])]
        await self._announce(changes.records_updated(tenant_id, base_id, table, updated, writes))
        return updated

    async def delete_records(
        self, tenant_id: str, base_id: str, table: Table, record_ids: list[str]
    ) -> list[str]:
        await self._own(tenant_id, base_id)
        answer = await self.http.call(
            "DELETE",
            f"/v0/{base_id}/{table.id}",
            base_id=base_id,
            params=[("records[]", r) for r in record_ids],
            what="record",
        )
        deleted = [r["id"] for r in answer.get("records", []) if r.get("deleted")]
        # Airtable answers a deletion with ids only: the fields are not known here.
        unknown: dict[str, dict[str, Any]] = {record_id: {} for record_id in deleted}
        await self._announce(changes.records_deleted(tenant_id, base_id, table, unknown))
        return deleted
