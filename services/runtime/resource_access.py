"""What a user may do on a resource, as the permissions service decides, cached here.

A decision is kept with the tenant's permission epoch read before asking
(runtime.access_epoch). The permissions service bumps the epoch after every change and
this process reads it through the tracked cache (exact while its feed is live, from Redis
otherwise), so a revoked role is refused from the next call on. MAX_AGE bounds a
decision's life should a bump be lost.

Calls to the permissions service carry the caller's own token (the mesh client passes it
on), so it answers only about the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tablemesh.permissions.v1 import permissions_service_pb2 as pb
from tablemesh.permissions.v1 import permissions_service_pb2_grpc as pb_grpc

from services.runtime import access_epoch, clock
from services.runtime.clients import MeshClients
from services.runtime.failures import answers_from
from services.runtime.identity import Caller
from services.runtime.tracked_cache import TrackedCache

ACTIONS = ("read", "write", "admin", "delete")
MAX_AGE = 30.0
# Beyond this many decisions the cache starts afresh (a bound on memory).
MAX_ENTRIES = 20_000
PERMISSIONS = "permissions"


@dataclass(frozen=True)
class Allowed:
    """The actions a user may perform on one resource, and the role that allows them."""

    role: str
    actions: frozenset[str]


@dataclass(frozen=True)
class _Kept:
    epoch: str
    at: float
    value: Any


class ResourceAccess:
    def __init__(
        self, clients: MeshClients, tracked: TrackedCache, max_age: float = MAX_AGE
    ) -> None:
        self._clients = clients
        self._tracked = tracked
        self._max_age = max_age
        self._kept: dict[tuple[str, ...], _Kept] = {}
        tracked.track(access_epoch.PREFIX)

    @property
    def _stub(self) -> pb_grpc.PermissionsServiceStub:
        return self._clients.stub(pb_grpc.PermissionsServiceStub, PERMISSIONS)

    async def _epoch(self, tenant_id: str) -> str:
        (value,) = await self._tracked.mget([access_epoch.key(tenant_id)])
        return value or "0"

    def _fresh(self, key: tuple[str, ...], epoch: str) -> Any:
        kept = self._kept.get(key)
        if kept and kept.epoch == epoch and clock.monotonic() - kept.at < self._max_age:
            return kept.value
        return None

    def _keep(self, key: tuple[str, ...], epoch: str, value: Any) -> None:
        if len(self._kept) >= MAX_ENTRIES:
            self._kept.clear()
        self._kept[key] = _Kept(epoch, clock.monotonic(), value)

    async def allowed(self, caller: Caller, resource: str) -> Allowed:
        """What the caller may do on `resource` ("<type>:<id>")."""
        key = (caller.tenant_id, caller.user_id, resource)
        epoch = await self._epoch(caller.tenant_id)
        if (found := self._fresh(key, epoch)) is not None:
            return found  # type: ignore[no-any-return]
        checks = [
            pb.CheckRequest(subject=caller.user_id, resource=resource, action=a) for a in ACTIONS
        ]
        with answers_from(PERMISSIONS):
            reply = await self._stub.BatchCheck(pb.BatchCheckRequest(checks=checks))
        actions = frozenset(a for a, r in zip(ACTIONS, reply.results, strict=True) if r.allowed)
        role = next((r.role for r in reply.results if r.role), "")
        allowed = Allowed(role, actions)
        self._keep(key, epoch, allowed)
        return allowed

    async def lookup(self, caller: Caller, resource_type: str, action: str) -> frozenset[str]:
        """The ids of the resources of `resource_type` the caller may perform `action` on."""
        key = (caller.tenant_id, caller.user_id, f"lookup:{resource_type}:{action}")
        epoch = await self._epoch(caller.tenant_id)
        if (found := self._fresh(key, epoch)) is not None:
            return found  # type: ignore[no-any-return]
        request = pb.LookupResourcesRequest(
            subject=caller.user_id, resource_type=resource_type, action=action
        )
        with answers_from(PERMISSIONS):
            reply = await self._stub.LookupResources(request)
        prefix = f"{resource_type}:"
        ids = frozenset(r.removeprefix(prefix) for r in reply.resources)
        self._keep(key, epoch, ids)
        return ids
