"""The compensation every saga that notifies someone shares."""

from __future__ import annotations

from typing import Any

from tablemesh.notifications.v1 import notifications_service_pb2 as note_pb
from tablemesh.notifications.v1 import notifications_service_pb2_grpc as note_grpc

from services.saga.definitions import StepContext


async def delete_sent_notification(ctx: StepContext, result: dict[str, Any]) -> None:
    """Withdraws a notification by its Send's request_id: works even when the Send's reply
    never arrived (and reserves the id, so a late Send creates nothing)."""
    stub = ctx.stub(note_grpc.NotificationsServiceStub, "notifications")
    await stub.DeleteNotification(
        note_pb.DeleteNotificationRequest(request_id=result["request_id"]),
        metadata=await ctx.auth(),
        timeout=ctx.timeout,
    )
