"""The `local` provider: the mesh's own model service (services/model), over gRPC.

Tools are offered as constrained JSON turns (json_turns.py): each call sends the turn's
schema and the model service holds the model to it. Text streams as the answer's JSON
string is decoded; a tool call streams nothing. Costs nothing (the price table says 0).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import grpc
from tablemesh.model.v1 import model_service_pb2 as model_pb
from tablemesh.model.v1 import model_service_pb2_grpc as model_grpc

from services.llm.providers.answer_stream import AnswerDecoder
from services.llm.providers.base import ChatMessage, ModelReply, TextDelta, TokenUsage, ToolSpec
from services.llm.providers.json_turns import parse_turn, to_turn_messages, turn_schema
from services.llm.providers.known_names import narrowed
from services.llm.providers.small_model import names_a_base, next_step, offered
from services.runtime.clients import MeshClients, outgoing_metadata, remaining_timeout
from services.runtime.errors import (
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    ResourceExhausted,
    Unavailable,
)

NAME = "local"
# The answer of one step: a tool call or a reply; a small model rambles if let.
MAX_TOKENS = 512
GONE = "the local model is unavailable (starting, or restarting after a failure); retry in a moment"
# The reply to a question without a base (see stream).
WHICH_BASE = (
    "Which base should I look at? Choose one above the chat in the console, or send its id "
    "as base_id (GET /api/v1/bases lists your bases): I answer from a base's tables."
)
# How long a call waits for the model service to be reachable (redials are <= 5 s apart).
CONNECT_SECONDS = 8.0


def model_error(exc: grpc.aio.AioRpcError) -> DomainError:
    """The model service's failure as our caller should see it (its own words when safe)."""
    code, detail = exc.code(), (exc.details() or "")[:300]
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return ResourceExhausted(detail, reason="LOCAL_MODEL_BUSY")
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidArgument(f"the local model refused the conversation: {detail}")
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return Unavailable(
            "the local model did not answer in time (TABLEMESH_LLM_TIMEOUT); retry, or ask "
            "a shorter question",
            reason="LOCAL_MODEL_TIMEOUT",
        )
    if code == grpc.StatusCode.UNAVAILABLE:
        return Unavailable(GONE, reason="LOCAL_MODEL_UNAVAILABLE")
    return FailedPrecondition(
        f"the local model failed ({code.name}); see the model service's log",
        reason="LOCAL_MODEL_FAILED",
    )


async def connected(channel: grpc.aio.Channel) -> None:
    """Returns once the channel to the model service is up, or raises UNAVAILABLE after
    CONNECT_SECONDS: a model restarted a moment ago is reached at the channel's next
    redial instead of failing, and a dead one answers quickly instead of hanging."""
    if channel.get_state(try_to_connect=True) == grpc.ChannelConnectivity.READY:
        return
    try:
        await asyncio.wait_for(channel.channel_ready(), CONNECT_SECONDS)
    except TimeoutError:
        raise Unavailable(GONE, reason="LOCAL_MODEL_UNAVAILABLE") from None


class LocalModel:
    name = NAME

    def __init__(self, clients: MeshClients, timeout: float) -> None:
        self._channel = clients.channel("model")
        self._stub = model_grpc.ModelServiceStub(self._channel)
        self._timeout = timeout

    def _request(
        self,
        messages: list[ChatMessage],
        tools: list[ToolSpec],
        callable_now: list[ToolSpec],
        answer: bool,
    ) -> Any:
        return model_pb.GenerateRequest(
            messages=[
                model_pb.Message(role=role, content=content)
                for role, content in to_turn_messages(messages, tools)
            ],
            json_schema=json.dumps(turn_schema(callable_now, answer)),
            max_tokens=MAX_TOKENS,
        )

    async def complete(
        self, model: str, messages: list[ChatMessage], tools: list[ToolSpec]
    ) -> ModelReply:
        reply = ModelReply("")
        async for event in self.stream(model, messages, tools):
            if isinstance(event, ModelReply):
                reply = event
        return reply

    async def stream(
        self, model: str, messages: list[ChatMessage], tools: list[ToolSpec]
    ) -> AsyncIterator[TextDelta | ModelReply]:
        # Each step's schema anew: the names it admits grow as the conversation learns them.
        tools = narrowed(offered(tools), messages)
        callable_now, may_answer = next_step(messages, tools)
        if not callable_now and not names_a_base(messages):
            # Nothing it may call and no base to read: a small model left to answer makes
            # figures up ("100 records"), whatever its prompt says. Asked, not generated.
            yield TextDelta(WHICH_BASE)
            yield ModelReply(WHICH_BASE, (), TokenUsage(), model)
            return
        await connected(self._channel)
        call = self._stub.Generate(
            self._request(messages, tools, callable_now, may_answer),
            timeout=remaining_timeout(self._timeout),
            metadata=outgoing_metadata(),
        )
        decoder = AnswerDecoder()
        try:
            async for event in call:
                if event.HasField("delta"):
                    if text := decoder.feed(event.delta.text):
                        yield TextDelta(text)
                    continue
                done = event.done
                answer, calls = parse_turn(done.text, tools)
                usage = TokenUsage(done.prompt_tokens, done.completion_tokens)
                yield ModelReply(answer, calls, usage, done.model or model)
                return
        except grpc.aio.AioRpcError as exc:
            raise model_error(exc) from exc
        finally:
            call.cancel()  # a caller gone away stops the generation
        raise Unavailable(
            "the local model ended its answer early; retry", reason="LOCAL_MODEL_UNAVAILABLE"
        )

    async def close(self) -> None:
        return None
