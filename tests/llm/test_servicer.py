"""The llm service over gRPC (services in this process), with the real auth and users services
for identities, the fake OpenAI-compatible server as the model and a plain-Python tool
executor: the wire contract, error codes and isolation between users and tenants."""

from __future__ import annotations

import uuid

import grpc
import pytest
from google.protobuf import json_format
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from tablemesh.auth.v1 import auth_service_pb2 as auth_pb
from tablemesh.llm.v1 import llm_service_pb2 as pb

from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.llm.mesh import Person, Stubs, sign_up
from tests.llm.table_tools import BASE_ID

GET = ("get_records", {"base_id": BASE_ID, "table": "Projects"})


async def invite(stubs: Stubs, admin: Person) -> Person:
    invitation = await stubs.auth.CreateInvitation(
        auth_pb.CreateInvitationRequest(
            email=f"i{uuid.uuid4().hex[:8]}@example.com", role="member"
        ),
        metadata=admin.md,
    )
    reply = await stubs.auth.AcceptInvitation(
        auth_pb.AcceptInvitationRequest(
            token=invitation.token, password="correct horse", first_name="G", last_name="H"
        )
    )
    return Person(reply.access_token, reply.principal.user_id, reply.principal.tenant_id)


def violations(err: grpc.aio.AioRpcError) -> list[str]:
    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    fields: list[str] = []
    for detail in status.details if status else []:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            fields += [v.field for v in bad.field_violations]
    return fields


async def test_chat_sessions_history_and_costs(stubs: Stubs, fake_openai: FakeOpenAI) -> None:
    me = await sign_up(stubs)
    fake_openai.then(Reply(tool_calls=[GET]), Reply(text="42 hours."))
    answer = await stubs.llm.Chat(
        pb.ChatRequest(message="Total hours?", base_id=BASE_ID), metadata=me.md
    )
    assert answer.message == "42 hours." and answer.model == "gpt-4o-mini"
    (call,) = answer.tool_calls
    assert call.name == "get_records" and json_format.MessageToDict(call.arguments) == GET[1]
    assert "Apollo" in call.result and not call.is_error
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (240, 60)
    assert answer.usage.model_calls == 2
    assert answer.usage.cost_usd == pytest.approx((240 * 0.15 + 60 * 0.6) / 1e6)

    session = (
        await stubs.llm.GetSession(
            pb.GetSessionRequest(session_id=answer.session_id), metadata=me.md
        )
    ).session
    assert (session.title, session.base_id, session.message_count) == ("Total hours?", BASE_ID, 4)
    assert session.usage == answer.usage and session.create_time.seconds > 0

    history = await stubs.llm.GetSessionHistory(
        pb.GetSessionHistoryRequest(session_id=answer.session_id, page_size=3), metadata=me.md
    )
    assert [m.role for m in history.messages] == ["user", "assistant", "tool"]
    assert history.messages[1].tool_calls[0].result == call.result
    rest = await stubs.llm.GetSessionHistory(
        pb.GetSessionHistoryRequest(
            session_id=answer.session_id, page_size=3, page_token=history.next_page_token
        ),
        metadata=me.md,
    )
    assert [m.content for m in rest.messages] == ["42 hours."] and rest.next_page_token == ""

    costs = await stubs.llm.GetCostSummary(pb.GetCostSummaryRequest(), metadata=me.md)
    assert costs.total == answer.usage and costs.by_model[0].model == "gpt-4o-mini"


async def test_stream_chat(stubs: Stubs, fake_openai: FakeOpenAI) -> None:
    me = await sign_up(stubs)
    fake_openai.then(Reply(tool_calls=[GET]), Reply(text="Apollo has 12 hours, Gemini 30."))
    events = [
        e
        async for e in stubs.llm.StreamChat(
            pb.StreamChatRequest(message="hours?", base_id=BASE_ID), metadata=me.md
        )
    ]
    kinds = [e.WhichOneof("event") for e in events]
    assert kinds[0] == "tool_call" and kinds[-1] == "done" and kinds.count("delta") > 1
    assert "".join(e.delta for e in events) == "Apollo has 12 hours, Gemini 30."
    done = events[-1].done
    assert done.message == "Apollo has 12 hours, Gemini 30." and done.usage.model_calls == 2
    assert all(r.get("stream") for r in fake_openai.requests)


async def test_list_sessions_pages_newest_first(stubs: Stubs, fake_openai: FakeOpenAI) -> None:
    me = await sign_up(stubs)
    fake_openai.then(*[Reply(text=f"answer {i}") for i in range(3)])
    ids = [
        (await stubs.llm.Chat(pb.ChatRequest(message=f"q{i}"), metadata=me.md)).session_id
        for i in range(3)
    ]
    first = await stubs.llm.ListSessions(pb.ListSessionsRequest(page_size=2), metadata=me.md)
    second = await stubs.llm.ListSessions(
        pb.ListSessionsRequest(page_size=2, page_token=first.next_page_token), metadata=me.md
    )
    assert [s.id for s in [*first.sessions, *second.sessions]] == ids[::-1]
    assert second.next_page_token == ""
    other = await sign_up(stubs)
    with pytest.raises(grpc.aio.AioRpcError) as err:  # a token issued for someone else's list
        await stubs.llm.ListSessions(
            pb.ListSessionsRequest(page_size=2, page_token=first.next_page_token), metadata=other.md
        )
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    await stubs.llm.DeleteSession(pb.DeleteSessionRequest(session_id=ids[0]), metadata=me.md)
    left = await stubs.llm.ListSessions(pb.ListSessionsRequest(), metadata=me.md)
    assert [s.id for s in left.sessions] == ids[:0:-1]


async def test_other_users_sessions_are_not_found(stubs: Stubs, fake_openai: FakeOpenAI) -> None:
    owner = await sign_up(stubs)
    colleague, stranger = await invite(stubs, owner), await sign_up(stubs)
    fake_openai.then(Reply(text="private"))
    session_id = (
        await stubs.llm.Chat(pb.ChatRequest(message="mine"), metadata=owner.md)
    ).session_id
    calls = [
        (stubs.llm.GetSession, pb.GetSessionRequest(session_id=session_id)),
        (stubs.llm.GetSessionHistory, pb.GetSessionHistoryRequest(session_id=session_id)),
        (stubs.llm.DeleteSession, pb.DeleteSessionRequest(session_id=session_id)),
        (stubs.llm.Chat, pb.ChatRequest(message="hi", session_id=session_id)),
        (stubs.llm.GetBudget, pb.GetBudgetRequest(scope="session", session_id=session_id)),
    ]
    for other in (colleague, stranger):
        for method, request in calls:
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await method(request, metadata=other.md)  # type: ignore[operator]
            assert err.value.code() == grpc.StatusCode.NOT_FOUND, method
    assert len(fake_openai.requests) == 1
    assert (
        await stubs.llm.ListSessions(pb.ListSessionsRequest(), metadata=colleague.md)
    ).sessions == []


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (pb.ChatRequest(), "message"),
        (pb.ChatRequest(message="x" * 20_001), "message"),
        (pb.ChatRequest(message="hi", base_id="app!!"), "base_id"),
        (pb.ChatRequest(message="hi", model="bad model"), "model"),
        (pb.ChatRequest(message="hi", session_id="42"), "session_id"),
    ],
)
async def test_bad_chat_input(
    stubs: Stubs, fake_openai: FakeOpenAI, request_: pb.ChatRequest, field: str
) -> None:
    me = await sign_up(stubs)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stubs.llm.Chat(request_, metadata=me.md)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations(err.value) == [field] and field in (err.value.details() or "")
    assert fake_openai.requests == []
    assert (await stubs.llm.ListSessions(pb.ListSessionsRequest(), metadata=me.md)).sessions == []


async def test_unknown_session_and_missing_token(stubs: Stubs, fake_openai: FakeOpenAI) -> None:
    me = await sign_up(stubs)
    unknown = str(uuid.uuid4())
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stubs.llm.Chat(pb.ChatRequest(message="hi", session_id=unknown), metadata=me.md)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stubs.llm.Chat(pb.ChatRequest(message="hi"))
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert fake_openai.requests == []


async def test_budgets_over_grpc(stubs: Stubs, fake_openai: FakeOpenAI) -> None:
    admin = await sign_up(stubs)
    member = await invite(stubs, admin)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stubs.llm.SetBudget(
            pb.SetBudgetRequest(scope="tenant_daily", limit_usd=1), metadata=member.md
        )
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stubs.llm.GetCostSummary(pb.GetCostSummaryRequest(scope="tenant"), metadata=member.md)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    budget = await stubs.llm.SetBudget(
        pb.SetBudgetRequest(scope="user_daily", limit_usd=0), metadata=admin.md
    )
    assert budget.budget.scope == "user_daily" and budget.budget.limit_usd == 0
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stubs.llm.Chat(pb.ChatRequest(message="hello"), metadata=member.md)
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "user_daily" in (err.value.details() or "") and fake_openai.requests == []
    fetched = await stubs.llm.GetBudget(pb.GetBudgetRequest(scope="user_daily"), metadata=member.md)
    assert fetched.budget.limit_usd == 0 and fetched.budget.spent_usd == 0
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stubs.llm.GetBudget(pb.GetBudgetRequest(scope="monthly"), metadata=member.md)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and violations(err.value) == [
        "scope"
    ]
