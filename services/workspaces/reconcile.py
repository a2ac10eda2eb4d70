"""At start, the permissions service learns which workspace every linked base is in.

Links made before the permissions service knew about parents, and any whose
SetResourceParent failed after the row was written, are completed here; placing a base
that is already in place changes nothing, so every start may run it.
"""

from __future__ import annotations

from services.runtime import logs
from services.workspaces.access import Access
from services.workspaces.link_store import LinkStore

log = logs.get("workspaces.reconcile")


async def place_linked_bases(links: LinkStore, access: Access) -> int:
    """Places every linked base inside its workspace; answers how many links it saw."""
    seen = 0
    async for tenant_id, workspace_id, base_id in links.every():
        await access.set_parent(tenant_id, base_id, workspace_id)
        seen += 1
    log.info("linked bases placed in their workspaces", links=seen)
    return seen
