"""gRPC face of the notifications service: decode the request, call the domain, encode."""

from __future__ import annotations

from tablemesh.notifications.v1 import notifications_service_pb2 as pb
from tablemesh.notifications.v1 import notifications_service_pb2_grpc as pb_grpc

from services.notifications.catalog import Catalog
from services.notifications.domain import Notifications, SendInput
from services.notifications.model import Notification, TemplateDef
from services.runtime.identity import current_caller
from services.runtime.wire import Ctx, timestamp


def to_proto(n: Notification) -> pb.Notification:
    return pb.Notification(
        id=n.id,
        tenant_id=n.tenant_id,
        recipient_user_id=n.recipient_user_id or "",
        recipient_email=n.recipient_email,
        channels=n.channels,
        template=n.template,
        subject=n.subject,
        body=n.body,
        read=n.read_at is not None,
        email_state=n.email_state,
        email_attempts=n.email_attempts,
        email_last_error=n.email_last_error,
        create_time=timestamp(n.created_at),
        read_time=timestamp(n.read_at),
        email_send_time=timestamp(n.email_sent_at),
    )


def template_to_proto(t: TemplateDef) -> pb.Template:
    return pb.Template(
        name=t.name,
        subject=t.subject,
        body=t.body,
        builtin=t.builtin,
        variables=t.variables,
        create_time=timestamp(t.created_at),
        update_time=timestamp(t.updated_at),
    )


class NotificationsServicer(pb_grpc.NotificationsServiceServicer):
    def __init__(self, notifications: Notifications, catalog: Catalog) -> None:
        self.notifications = notifications
        self.catalog = catalog

    async def Send(self, request: pb.SendRequest, context: Ctx) -> pb.SendResponse:
        send = SendInput(
            channels=list(request.channels),
            recipient_user_id=request.recipient_user_id,
            recipient_email=request.recipient_email,
            template=request.template,
            variables=dict(request.variables),
            subject=request.subject,
            body=request.body,
            request_id=request.request_id,
        )
        notification = await self.notifications.send(current_caller(), send)
        return pb.SendResponse(notification=to_proto(notification))

    async def DeleteNotification(
        self, request: pb.DeleteNotificationRequest, context: Ctx
    ) -> pb.DeleteNotificationResponse:
        await self.notifications.delete(
            current_caller(), request.notification_id, request.request_id
        )
        return pb.DeleteNotificationResponse()

    async def ListNotifications(
        self, request: pb.ListNotificationsRequest, context: Ctx
    ) -> pb.ListNotificationsResponse:
        found, unread, token = await self.notifications.list_page(
            current_caller(),
            page_size=request.page_size,
            page_token=request.page_token,
            unread_only=request.unread_only,
        )
        return pb.ListNotificationsResponse(
            notifications=[to_proto(n) for n in found],
            next_page_token=token,
            unread_count=unread,
        )

    async def MarkRead(self, request: pb.MarkReadRequest, context: Ctx) -> pb.MarkReadResponse:
        notification = await self.notifications.mark_read(current_caller(), request.notification_id)
        return pb.MarkReadResponse(notification=to_proto(notification))

    async def ListTemplates(
        self, request: pb.ListTemplatesRequest, context: Ctx
    ) -> pb.ListTemplatesResponse:
        found = await self.catalog.list_all(current_caller())
        return pb.ListTemplatesResponse(templates=[template_to_proto(t) for t in found])

    async def CreateTemplate(
        self, request: pb.CreateTemplateRequest, context: Ctx
    ) -> pb.CreateTemplateResponse:
        t = request.template
        created = await self.catalog.create(
            current_caller(), t.name, t.subject, t.body, request.request_id
        )
        return pb.CreateTemplateResponse(template=template_to_proto(created))

    async def UpdateTemplate(
        self, request: pb.UpdateTemplateRequest, context: Ctx
    ) -> pb.UpdateTemplateResponse:
        t = request.template
        updated = await self.catalog.update(
            current_caller(),
            t.name,
            {"subject": t.subject, "body": t.body},
            list(request.update_mask.paths),
        )
        return pb.UpdateTemplateResponse(template=template_to_proto(updated))
