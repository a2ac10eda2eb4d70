"""The one interface both backends implement: `local` (PostgreSQL) and `airtable` (REST).

The domain validates every request before it gets here (batch sizes, field values,
formulas), resolves the table from the base's schema and passes it in. Every method is
scoped by tenant: a base the tenant does not own raises NotFound, as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

from services.airtable.model import Base, Field, Record, RecordQuery, Table, TableSpec, Write


class Backend(Protocol):
    # "local" or "airtable", reported on every Base.
    name: str

    async def list_bases(
        self,
        tenant_id: str,
        page_size: int,
        after: list[Any] | None,
        only: Collection[str] | None = None,
    ) -> tuple[list[Base], list[Any] | None]:
        """A page of the tenant's bases (only those with ids in `only`, when given) and the
        keyset of the last one (None at the end)."""
        ...

    async def create_base(
        self, tenant_id: str, name: str, tables: list[TableSpec], request_id: str
    ) -> tuple[Base, list[Table]]:
        """A new base with its tables; a seen request_id returns the first base."""
        ...

    async def delete_base(self, tenant_id: str, base_id: str) -> None:
        """Removes the base (local) or unlinks it from the tenant (airtable)."""
        ...

    async def get_schema(self, tenant_id: str, base_id: str) -> list[Table]: ...

    async def create_table(self, tenant_id: str, base_id: str, spec: TableSpec) -> Table: ...

    async def create_field(
        self, tenant_id: str, base_id: str, table_id: str, field: Field
    ) -> Field: ...

    async def list_records(
        self, tenant_id: str, base_id: str, table: Table, query: RecordQuery
    ) -> tuple[list[Record], Any]:
        """A page and the cursor of the next one (None on the last page)."""
        ...

    async def get_record(
        self, tenant_id: str, base_id: str, table: Table, record_id: str
    ) -> Record: ...

    async def create_records(
        self,
        tenant_id: str,
        base_id: str,
        table: Table,
        writes: list[Write],
        typecast: bool,
        request_id: str,
    ) -> list[Record]: ...

    async def update_records(
        self,
        tenant_id: str,
        base_id: str,
        table: Table,
        writes: list[Write],
        typecast: bool,
        replace: bool,
    ) -> list[Record]:
        """All or none: an id not in the table raises NotFound and changes nothing."""
        ...

    async def delete_records(
        self, tenant_id: str, base_id: str, table: Table, record_ids: list[str]
    ) -> list[str]: ...
