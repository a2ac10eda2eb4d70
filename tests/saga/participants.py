"""Real gRPC test participants for the saga engine: small in-memory servers speaking the
participants' contracts (auth's IssueServiceToken, workspaces, airtable, notifications),
each honouring request_id (or idempotent by itself, as LinkBase) and able to inject faults.

They are test participants for the orchestrator, not stand-ins for the real services;
the end-to-end test in test_mesh.py runs onboarding against the real ones.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import grpc
from tablemesh.airtable.v1 import airtable_service_pb2 as air
from tablemesh.airtable.v1 import airtable_service_pb2_grpc as air_grpc
from tablemesh.auth.v1 import auth_service_pb2 as auth
from tablemesh.auth.v1 import auth_service_pb2_grpc as auth_grpc
from tablemesh.notifications.v1 import notifications_service_pb2 as note
from tablemesh.notifications.v1 import notifications_service_pb2_grpc as note_grpc
from tablemesh.workspaces.v1 import workspaces_service_pb2 as ws
from tablemesh.workspaces.v1 import workspaces_service_pb2_grpc as ws_grpc


@dataclass
class World:
    """Everything the participants hold, plus the faults to inject, by method name."""

    workspaces: dict[str, str] = field(default_factory=dict)  # request_id -> id (live)
    # "workspace id/base id" -> workspace id (live links)
    links: dict[str, str] = field(default_factory=dict)
    # Every id made, ever -> the request_id that made it.
    made: dict[str, str] = field(default_factory=dict)
    bases: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    # How many times each method applied an effect (a replay does not count).
    applied: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    order: list[str] = field(default_factory=list)
    # method -> codes to raise on its next calls, in order (before applying anything).
    fail_next: dict[str, list[grpc.StatusCode]] = field(default_factory=dict)
    # method -> code raised on every call.
    fail_always: dict[str, grpc.StatusCode] = field(default_factory=dict)
    # method -> code its next call answers after applying the effect (once): a participant
    # that fails partway, e.g. INTERNAL after its commit.
    fail_after: dict[str, grpc.StatusCode] = field(default_factory=dict)
    # method -> seconds to hold the next reply after applying the effect (once).
    hold: dict[str, float] = field(default_factory=dict)
    # Set when a held method has applied its effect.
    held: asyncio.Event = field(default_factory=asyncio.Event)

    async def enter(self, method: str, context: Any) -> None:
        self.calls[method] += 1
        self.order.append(method)
        if method in self.fail_always:
            await context.abort(self.fail_always[method], f"{method} refuses (test)")
        queued = self.fail_next.get(method)
        if queued:
            await context.abort(queued.pop(0), f"{method} fails once (test)")

    async def leave(self, method: str, context: Any = None) -> None:
        if context is not None and method in self.fail_after:
            await context.abort(self.fail_after.pop(method), f"{method} failed partway (test)")
        if method in self.hold:
            self.held.set()
            await asyncio.sleep(self.hold.pop(method))

    def live(self) -> dict[str, int]:
        return {
            "workspaces": len(self.workspaces),
            "links": len(self.links),
            "bases": len(self.bases),
            "notes": len(self.notes),
        }


def _create(world: World, store: dict[str, str], key: str, method: str) -> str:
    if key not in store:
        store[key] = uuid.uuid4().hex
        world.made[store[key]] = key
        world.applied[method] += 1
    return store[key]


def _delete(store: dict[str, str], value: str) -> bool:
    for key, held in list(store.items()):
        if held == value or key == value:
            del store[key]
            return True
    return False


class Auth(auth_grpc.AuthServiceServicer):
    def __init__(self, world: World) -> None:
        self.w = world

    async def IssueServiceToken(self, request: Any, context: Any) -> Any:
        return auth.IssueServiceTokenResponse(
            access_token=f"test-{request.tenant_id}", expires_in=900
        )


class Workspaces(ws_grpc.WorkspacesServiceServicer):
    def __init__(self, world: World) -> None:
        self.w = world

    async def CreateWorkspace(self, request: Any, context: Any) -> Any:
        await self.w.enter("CreateWorkspace", context)
        ws_id = _create(self.w, self.w.workspaces, request.request_id, "CreateWorkspace")
        await self.w.leave("CreateWorkspace")
        return ws.CreateWorkspaceResponse(
            workspace=ws.Workspace(id=ws_id, name=request.workspace.name)
        )

    async def DeleteWorkspace(self, request: Any, context: Any) -> Any:
        await self.w.enter("DeleteWorkspace", context)
        _delete(self.w.workspaces, request.workspace_id)
        return ws.DeleteWorkspaceResponse()

    async def LinkBase(self, request: Any, context: Any) -> Any:
        await self.w.enter("LinkBase", context)
        key = f"{request.workspace_id}/{request.base_id}"
        if key not in self.w.links:
            self.w.links[key] = request.workspace_id
            self.w.applied["LinkBase"] += 1
        await self.w.leave("LinkBase")
        return ws.LinkBaseResponse(linked_base=ws.LinkedBase(base_id=request.base_id))

    async def UnlinkBase(self, request: Any, context: Any) -> Any:
        await self.w.enter("UnlinkBase", context)
        self.w.links.pop(f"{request.workspace_id}/{request.base_id}", None)
        await self.w.leave("UnlinkBase")
        return ws.UnlinkBaseResponse()


class Airtable(air_grpc.AirtableServiceServicer):
    def __init__(self, world: World) -> None:
        self.w = world

    async def CreateBase(self, request: Any, context: Any) -> Any:
        await self.w.enter("CreateBase", context)
        base_id = _create(self.w, self.w.bases, request.request_id, "CreateBase")
        await self.w.leave("CreateBase", context)
        return air.CreateBaseResponse(base=air.Base(id=f"app{base_id[:14]}", name=request.name))

    async def DeleteBase(self, request: Any, context: Any) -> Any:
        await self.w.enter("DeleteBase", context)
        found = [k for k, v in self.w.bases.items() if f"app{v[:14]}" == request.base_id]
        if not found:
            await context.abort(grpc.StatusCode.NOT_FOUND, "no such base")
        del self.w.bases[found[0]]
        return air.DeleteBaseResponse(base_id=request.base_id)


class Notifications(note_grpc.NotificationsServiceServicer):
    def __init__(self, world: World) -> None:
        self.w = world

    async def Send(self, request: Any, context: Any) -> Any:
        await self.w.enter("Send", context)
        note_id = _create(self.w, self.w.notes, request.request_id, "Send")
        await self.w.leave("Send")
        return note.SendResponse(notification=note.Notification(id=note_id))

    async def DeleteNotification(self, request: Any, context: Any) -> Any:
        await self.w.enter("DeleteNotification", context)
        _delete(self.w.notes, request.request_id or request.notification_id)
        return note.DeleteNotificationResponse()


async def serve(world: World) -> tuple[grpc.aio.Server, dict[str, str]]:
    """Starts one server per participant; answers TABLEMESH_<NAME>_ADDR overrides."""
    env: dict[str, str] = {}
    adders = {
        "auth": (auth_grpc.add_AuthServiceServicer_to_server, Auth),
        "workspaces": (ws_grpc.add_WorkspacesServiceServicer_to_server, Workspaces),
        "airtable": (air_grpc.add_AirtableServiceServicer_to_server, Airtable),
        "notifications": (note_grpc.add_NotificationsServiceServicer_to_server, Notifications),
    }
    server = grpc.aio.server()
    for add, cls in adders.values():
        add(cls(world), server)  # type: ignore[no-untyped-call]
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    for name in adders:
        env[f"TABLEMESH_{name.upper()}_ADDR"] = f"127.0.0.1:{port}"
    return server, env
