"""gRPC face of the model service: decode the request, run it on the engine, encode events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing

from tablemesh.model.v1 import model_service_pb2 as pb
from tablemesh.model.v1 import model_service_pb2_grpc as pb_grpc

from services.model import generation
from services.model.engine import Engine
from services.runtime.wire import Ctx


class ModelServicer(pb_grpc.ModelServiceServicer):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def Generate(  # type: ignore[override]
        self, request: pb.GenerateRequest, context: Ctx
    ) -> AsyncIterator[pb.GenerateResponse]:
        job = generation.parse(
            [(m.role, m.content) for m in request.messages],
            request.json_schema,
            request.max_tokens,
            request.temperature,
        )
        # Closed when the caller goes away too: the engine then stops generating.
        async with aclosing(self.engine.generate(job)) as events:
            async for event in events:
                if isinstance(event, generation.Delta):
                    yield pb.GenerateResponse(delta=pb.Delta(text=event.text))
                else:
                    done = pb.Done(
                        text=event.text,
                        prompt_tokens=event.prompt_tokens,
                        completion_tokens=event.completion_tokens,
                        finish_reason=event.finish_reason,
                        model=event.model,
                    )
                    yield pb.GenerateResponse(done=done)

    async def GetModel(self, request: pb.GetModelRequest, context: Ctx) -> pb.GetModelResponse:
        cfg = self.engine.cfg
        try:
            size = cfg.path.stat().st_size
        except OSError:
            size = 0
        return pb.GetModelResponse(
            model=cfg.name,
            state=self.engine.state,
            size_bytes=size,
            context_tokens=cfg.context,
            load_seconds=self.engine.load_seconds,
            queued=self.engine.waiting,
            queue_size=cfg.queue_size,
            file_name=cfg.path.name,
        )
