"""Placing linked bases at the permissions service, and completing the placements that
never happened.

A link's row is written first, then the permissions service learns the base is inside the
workspace (SetResourceParent), then the row notes that (placed_at). A failure in between
leaves a link a retry completes, or the next start: it places only the links not yet
placed (placing one twice changes nothing), so a start does not grow with every link ever
made.
"""

from __future__ import annotations

from services.runtime import logs
from services.workspaces.access import Access
from services.workspaces.link_store import LinkStore

log = logs.get("workspaces.reconcile")


async def place(
    links: LinkStore, access: Access, tenant_id: str, workspace_id: str, base_id: str
) -> None:
    """Puts the linked base inside its workspace at permissions, and notes it done."""
    await access.set_parent(tenant_id, base_id, workspace_id)
    await links.placed(tenant_id, workspace_id, base_id)


async def place_linked_bases(links: LinkStore, access: Access) -> int:
    """Places every link not placed yet; answers how many it placed."""
    placed = 0
    async for tenant_id, workspace_id, base_id in links.unplaced():
        await place(links, access, tenant_id, workspace_id, base_id)
        placed += 1
    if placed:
        log.info("linked bases placed in their workspaces", links=placed)
    return placed
