"""Telling an endpoint's creator that the mesh disabled it, through the notifications
service as the webhooks service (as automation's notify step does)."""

from __future__ import annotations

import grpc
from tablemesh.notifications.v1 import notifications_service_pb2 as notes
from tablemesh.notifications.v1 import notifications_service_pb2_grpc as notes_grpc

from services.runtime import logs
from services.runtime.clients import MeshClients
from services.runtime.service_identity import ServiceTokens
from services.webhooks import model as m

SERVICE_NAME = "webhooks"
WHY = {
    m.GONE: "it answered 410 Gone, which says it no longer wants webhooks",
    m.FAILING: "every delivery to it failed for too long",
}
log = logs.get("webhooks.notify")


class Notifier:
    def __init__(self, clients: MeshClients, service_secret: str, timeout: float = 10.0) -> None:
        self.clients = clients
        self.tokens = ServiceTokens(clients, SERVICE_NAME, service_secret, timeout)
        self.timeout = timeout

    async def disabled(self, ep: m.Endpoint) -> None:
        """One notification; a failure is logged (the endpoint stays disabled either way,
        and the console shows why)."""
        stub = self.clients.stub(notes_grpc.NotificationsServiceStub, "notifications")
        stamp = ep.updated_at.isoformat() if ep.updated_at else ""
        why = WHY.get(ep.disabled_reason, ep.disabled_reason)
        request = notes.SendRequest(
            # One notification per disabling, however often this is called for it.
            request_id=f"webhook-disabled:{ep.id}:{stamp}",
            recipient_user_id=ep.creator_user_id,
            channels=["in_app"],
            subject="A webhook endpoint was disabled",
            body=f"The webhook endpoint {ep.url} was disabled: {why}. "
            "Enable it again in the console once it works.",
        )
        try:
            await self.tokens.call(stub.Send, request, ep.tenant_id)
        except grpc.aio.AioRpcError as exc:
            log.warning(
                "could not notify of a disabled endpoint", endpoint_id=ep.id, code=exc.code().name
            )
