"""gRPC face of the llm service: decode the request, call the domain, encode the reply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from tablemesh.llm.v1 import llm_service_pb2 as pb
from tablemesh.llm.v1 import llm_service_pb2_grpc as pb_grpc

from services.llm.budgets import Budgets
from services.llm.chat import Chat, ChatRequest, ChatResult
from services.llm.loop import ToolCallRecord
from services.llm.model import Budget, Session, StoredMessage, Usage
from services.llm.providers.base import TextDelta
from services.llm.sessions import Sessions
from services.runtime.identity import current_caller
from services.runtime.wire import Ctx, timestamp


def usage_proto(u: Usage) -> pb.Usage:
    return pb.Usage(
        prompt_tokens=u.prompt_tokens,
        completion_tokens=u.completion_tokens,
        cost_usd=u.cost_usd,
        model_calls=u.model_calls,
    )


def tool_call_proto(
    name: str, arguments: dict[str, Any], result: str, is_error: bool
) -> pb.ToolCall:
    call = pb.ToolCall(name=name, result=result, is_error=is_error)
    call.arguments.update(arguments)
    return call


def record_proto(c: ToolCallRecord) -> pb.ToolCall:
    return tool_call_proto(c.name, c.arguments, c.result, c.is_error)


def result_proto(r: ChatResult) -> pb.ChatResponse:
    return pb.ChatResponse(
        session_id=r.session_id,
        message=r.text,
        tool_calls=[record_proto(c) for c in r.tool_calls],
        usage=usage_proto(r.usage),
        model=r.model,
    )


def session_proto(s: Session) -> pb.Session:
    return pb.Session(
        id=s.id,
        title=s.title,
        base_id=s.base_id,
        message_count=s.message_count,
        usage=usage_proto(s.usage),
        create_time=timestamp(s.created_at),
        update_time=timestamp(s.updated_at),
    )


def message_proto(m: StoredMessage) -> pb.Message:
    calls = [
        tool_call_proto(c["name"], c.get("arguments") or {}, c["result"], c["is_error"])
        for c in m.tool_calls
    ]
    return pb.Message(
        id=m.id,
        role=m.role,
        content=m.content,
        tool_calls=calls,
        create_time=timestamp(m.created_at),
    )


def budget_proto(b: Budget) -> pb.Budget:
    return pb.Budget(
        scope=b.scope, session_id=b.session_id, limit_usd=b.limit_usd, spent_usd=b.spent_usd
    )


def chat_request(request: pb.ChatRequest | pb.StreamChatRequest) -> ChatRequest:
    return ChatRequest(request.message, request.session_id, request.base_id, request.model)


class LlmServicer(pb_grpc.LlmServiceServicer):
    def __init__(self, chat: Chat, sessions: Sessions, budgets: Budgets) -> None:
        self.chat = chat
        self.sessions = sessions
        self.budgets = budgets

    async def Chat(self, request: pb.ChatRequest, context: Ctx) -> pb.ChatResponse:
        return result_proto(await self.chat.complete(current_caller(), chat_request(request)))

    async def StreamChat(  # type: ignore[override]
        self, request: pb.StreamChatRequest, context: Ctx
    ) -> AsyncIterator[pb.StreamChatResponse]:
        turn = self.chat.turn(current_caller(), chat_request(request), stream=True)
        # Closed as soon as this stream ends in any way, a client gone away included, so the
        # turn lets go of its session's claim and budget reservation then, not whenever the
        # garbage collector gets to it.
        async with aclosing(turn) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    yield pb.StreamChatResponse(delta=event.text)
                elif isinstance(event, ToolCallRecord):
                    yield pb.StreamChatResponse(tool_call=record_proto(event))
                else:
                    yield pb.StreamChatResponse(done=result_proto(event))

    async def GetSession(
        self, request: pb.GetSessionRequest, context: Ctx
    ) -> pb.GetSessionResponse:
        session = await self.sessions.get(current_caller(), request.session_id)
        return pb.GetSessionResponse(session=session_proto(session))

    async def ListSessions(
        self, request: pb.ListSessionsRequest, context: Ctx
    ) -> pb.ListSessionsResponse:
        found, token = await self.sessions.list_page(
            current_caller(), request.page_size, request.page_token
        )
        return pb.ListSessionsResponse(
            sessions=[session_proto(s) for s in found], next_page_token=token
        )

    async def DeleteSession(
        self, request: pb.DeleteSessionRequest, context: Ctx
    ) -> pb.DeleteSessionResponse:
        await self.sessions.delete(current_caller(), request.session_id)
        return pb.DeleteSessionResponse()

    async def GetSessionHistory(
        self, request: pb.GetSessionHistoryRequest, context: Ctx
    ) -> pb.GetSessionHistoryResponse:
        found, token = await self.sessions.history(
            current_caller(), request.session_id, request.page_size, request.page_token
        )
        return pb.GetSessionHistoryResponse(
            messages=[message_proto(m) for m in found], next_page_token=token
        )

    async def GetCostSummary(
        self, request: pb.GetCostSummaryRequest, context: Ctx
    ) -> pb.GetCostSummaryResponse:
        total, by_model = await self.budgets.cost_summary(
            current_caller(), request.scope, request.days
        )
        return pb.GetCostSummaryResponse(
            total=usage_proto(total),
            by_model=[pb.CostByModel(model=m, usage=usage_proto(u)) for m, u in by_model],
        )

    async def SetBudget(self, request: pb.SetBudgetRequest, context: Ctx) -> pb.SetBudgetResponse:
        budget = await self.budgets.set(
            current_caller(), request.scope, request.session_id, request.limit_usd
        )
        return pb.SetBudgetResponse(budget=budget_proto(budget))

    async def GetBudget(self, request: pb.GetBudgetRequest, context: Ctx) -> pb.GetBudgetResponse:
        budget = await self.budgets.get(current_caller(), request.scope, request.session_id)
        return pb.GetBudgetResponse(budget=budget_proto(budget))
