"""The registry of tools: one module per few tools, assembled here in the order listed."""

from __future__ import annotations

from services.mcp.catalog import Catalog
from services.mcp.tools import analysis, records, schema, sync


def catalog() -> Catalog:
    return Catalog(
        [*schema.TOOLS[:1], *records.TOOLS, *schema.TOOLS[1:], *analysis.TOOLS, *sync.TOOLS]
    )
