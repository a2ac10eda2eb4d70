"""gRPC face of the saga service: decode the request, call the domain, encode the reply."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2
from tablemesh.saga.v1 import saga_service_pb2 as pb
from tablemesh.saga.v1 import saga_service_pb2_grpc as pb_grpc

from services.runtime.identity import current_caller
from services.runtime.wire import Ctx, timestamp
from services.saga import model as m
from services.saga.domain import Sagas


def struct(value: dict[str, Any] | None) -> struct_pb2.Struct | None:
    if value is None:
        return None
    out = struct_pb2.Struct()
    out.update(value)
    return out


def step_proto(step: m.Step) -> pb.SagaStep:
    return pb.SagaStep(
        name=step.name,
        state=step.state,
        attempts=step.attempts,
        result=struct(step.result),
        error=step.error,
        compensation_attempts=step.compensation_attempts,
        start_time=timestamp(step.started_at),
        update_time=timestamp(step.updated_at),
        finish_time=timestamp(step.finished_at),
    )


def saga_proto(saga: m.Saga) -> pb.Saga:
    return pb.Saga(
        id=saga.id,
        type=saga.type,
        state=saga.state,
        input=struct(saga.input),
        steps=[step_proto(s) for s in saga.steps],
        error=saga.error,
        tenant_id=saga.tenant_id,
        cancel_requested=saga.cancel_requested,
        create_time=timestamp(saga.created_at),
        update_time=timestamp(saga.updated_at),
        finish_time=timestamp(saga.finished_at),
    )


class SagaServicer(pb_grpc.SagaServiceServicer):
    def __init__(self, sagas: Sagas) -> None:
        self.sagas = sagas

    async def StartSaga(self, request: pb.StartSagaRequest, context: Ctx) -> pb.StartSagaResponse:
        data = json_format.MessageToDict(request.input) if request.HasField("input") else None
        saga = await self.sagas.start(current_caller(), request.type, data, request.request_id)
        return pb.StartSagaResponse(saga=saga_proto(saga))

    async def ListSagas(self, request: pb.ListSagasRequest, context: Ctx) -> pb.ListSagasResponse:
        found, token = await self.sagas.list_page(
            current_caller(), request.page_size, request.page_token, request.type, request.state
        )
        return pb.ListSagasResponse(sagas=[saga_proto(s) for s in found], next_page_token=token)

    async def GetSaga(self, request: pb.GetSagaRequest, context: Ctx) -> pb.GetSagaResponse:
        saga = await self.sagas.get(current_caller(), request.saga_id)
        return pb.GetSagaResponse(saga=saga_proto(saga))

    async def CancelSaga(
        self, request: pb.CancelSagaRequest, context: Ctx
    ) -> pb.CancelSagaResponse:
        saga = await self.sagas.cancel(current_caller(), request.saga_id)
        return pb.CancelSagaResponse(saga=saga_proto(saga))

    async def ListSagaTypes(
        self, request: pb.ListSagaTypesRequest, context: Ctx
    ) -> pb.ListSagaTypesResponse:
        return pb.ListSagaTypesResponse(
            saga_types=[
                pb.SagaType(
                    name=d.name,
                    description=d.description,
                    steps=[s.name for s in d.steps],
                    required_input=list(d.required_input),
                )
                for d in self.sagas.saga_types()
            ]
        )
