"""The two RPCs of resource parents through the servicer: requests in, replies out."""

from __future__ import annotations

import uuid
from typing import Any

from tablemesh.permissions.v1 import permissions_service_pb2 as pb

from services.permissions.domain import Permissions
from services.permissions.servicer import PermissionsServicer
from services.permissions.tree import ResourceTree
from services.runtime.identity import set_caller
from tests.permissions.test_domain import caller, grant, workspace
from tests.permissions.test_parents import base

NO_CONTEXT: Any = None  # the servicer never reads its context


async def test_set_parent_and_lookup_over_the_servicer(
    perms: Permissions, tree: ResourceTree
) -> None:
    servicer = PermissionsServicer(perms, tree)
    tenant, ws, b = str(uuid.uuid4()), workspace(), base()
    service, user = caller("service", tenant), caller("member", tenant)
    await grant(perms, service, user.user_id, ws, "viewer")
    set_caller(service)
    placed = pb.SetResourceParentRequest(resource=b, parent=ws)
    assert (await servicer.SetResourceParent(placed, NO_CONTEXT)).previous_parent == ""
    assert (await servicer.SetResourceParent(placed, NO_CONTEXT)).previous_parent == ws

    set_caller(user)
    asked = pb.LookupResourcesRequest(subject=user.user_id, resource_type="base", action="read")
    reply = await servicer.LookupResources(asked, NO_CONTEXT)
    assert list(reply.resources) == [b] and not reply.truncated
    check = pb.CheckRequest(subject=user.user_id, resource=b, action="read")
    answer = await servicer.Check(check, NO_CONTEXT)
    assert answer.allowed and answer.role == "viewer" and ws in answer.reason
