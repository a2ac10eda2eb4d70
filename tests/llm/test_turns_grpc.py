"""One turn at a time per session, over gRPC (services in this process):
ABORTED for a second turn, and the session's claim let go when a client cancels its Chat
or StreamChat call. The fake model holds a reply until the test lets it go, so the calls
overlap for certain."""

from __future__ import annotations

import asyncio
import threading

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from redis.asyncio import Redis
from tablemesh.llm.v1 import llm_service_pb2 as pb

from services.llm.claims import busy_message, claim_key
from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.llm.mesh import Person, Stubs, sign_up


async def released(redis: Redis, key: str) -> bool:
    """Waits (at most 5 s) for the server to notice the cancel and let go of the claim."""
    for _ in range(500):
        if not await redis.exists(key):
            return True
        await asyncio.sleep(0.01)
    return False


async def a_session(stubs: Stubs, me: Person, fake: FakeOpenAI) -> str:
    fake.then(Reply(text="Hello."))
    return (await stubs.llm.Chat(pb.ChatRequest(message="hi"), metadata=me.md)).session_id


async def test_a_second_turn_is_aborted(stubs: Stubs, fake_openai: FakeOpenAI) -> None:
    me = await sign_up(stubs)
    session_id = await a_session(stubs, me, fake_openai)
    gate = threading.Event()
    held = Reply(text="First.", hold=gate)
    fake_openai.then(held, Reply(text="Second."))
    first = stubs.llm.Chat(pb.ChatRequest(message="1", session_id=session_id), metadata=me.md)
    try:
        await held.reached()
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stubs.llm.Chat(pb.ChatRequest(message="2", session_id=session_id), metadata=me.md)
    finally:
        gate.set()
    assert err.value.code() == grpc.StatusCode.ABORTED
    assert err.value.details() == busy_message(session_id)
    status = rpc_status.from_call(err.value)  # type: ignore[arg-type]
    info = error_details_pb2.ErrorInfo()
    assert status is not None and status.details[-1].Unpack(info)
    assert info.reason == "SESSION_BUSY" and info.metadata["session_id"] == session_id
    assert (await first).message == "First."
    again = pb.ChatRequest(message="2", session_id=session_id)
    assert (await stubs.llm.Chat(again, metadata=me.md)).message == "Second."
    history = await stubs.llm.GetSessionHistory(
        pb.GetSessionHistoryRequest(session_id=session_id), metadata=me.md
    )
    assert [m.content for m in history.messages] == ["hi", "Hello.", "1", "First.", "2", "Second."]


async def test_a_cancelled_stream_lets_go_of_its_session(
    stubs: Stubs, fake_openai: FakeOpenAI, redis: Redis
) -> None:
    me = await sign_up(stubs)
    session_id = await a_session(stubs, me, fake_openai)
    key = claim_key(me.tenant_id, me.user_id, session_id)
    gate = threading.Event()
    fake_openai.then(Reply(text="A long answer, cut short.", hold=gate))
    call = stubs.llm.StreamChat(
        pb.StreamChatRequest(message="tell me", session_id=session_id), metadata=me.md
    )
    try:
        first = await call.read()  # the answer has begun streaming; the model holds the rest
        assert isinstance(first, pb.StreamChatResponse) and first.delta
        assert await redis.exists(key)
        call.cancel()
        assert await released(redis, key)
    finally:
        gate.set()
    fake_openai.then(Reply(text="Here again."))
    again = pb.ChatRequest(message="still there?", session_id=session_id)
    assert (await stubs.llm.Chat(again, metadata=me.md)).message == "Here again."


async def test_a_cancelled_chat_lets_go_of_its_session(
    stubs: Stubs, fake_openai: FakeOpenAI, redis: Redis
) -> None:
    me = await sign_up(stubs)
    session_id = await a_session(stubs, me, fake_openai)
    key = claim_key(me.tenant_id, me.user_id, session_id)
    gate = threading.Event()
    held = Reply(text="Never read.", hold=gate)
    fake_openai.then(held)
    call = stubs.llm.Chat(pb.ChatRequest(message="slow", session_id=session_id), metadata=me.md)
    try:
        await held.reached()
        assert await redis.exists(key)
        call.cancel()
        assert await released(redis, key)
    finally:
        gate.set()
    fake_openai.then(Reply(text="Quick."))
    again = pb.ChatRequest(message="quick?", session_id=session_id)
    assert (await stubs.llm.Chat(again, metadata=me.md)).message == "Quick."
