"""The model service on SmolLM2, in this process: streaming, a schema the output keeps to,
the bounded queue, cancellation, bad input; and the llm service's `local` provider over it
(a whole tool-using turn through the loop, and UNAVAILABLE once the model is gone)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from tablemesh.llm.v1 import llm_service_pb2 as llm_pb
from tablemesh.model.v1 import model_service_pb2 as pb

from services.llm.providers.local import WHICH_BASE
from tests.llm.mesh import Person
from tests.llm.table_tools import BASE_ID
from tests.model.mesh import Stubs, conversation, model_stubs

# Bounds real elapsed time, deadlines or leases: `make test` runs it before the meshes boot.
pytestmark = pytest.mark.realtime

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "rank": {"type": "integer"}},
    "required": ["city", "rank"],
}


@pytest.fixture(scope="module")
async def stubs(database_url: str, redis_url: str) -> AsyncIterator[Stubs]:
    # No queue: one generation at a time and none waiting, so "full" is easy to reach.
    async with model_stubs(database_url, redis_url, TABLEMESH_MODEL_QUEUE_SIZE="0") as s:
        yield s


@pytest.fixture(scope="module")
async def person(stubs: Stubs) -> Person:
    return await stubs.sign_up()


def generate(stubs: Stubs, person: Person, text: str, **fields: object) -> Any:
    request = pb.GenerateRequest(messages=conversation(text), **fields)  # type: ignore[arg-type]
    return stubs.model.Generate(request, metadata=person.md, timeout=60)


async def test_the_answer_streams_then_ends_with_the_token_counts(
    stubs: Stubs, person: Person
) -> None:
    events = [e async for e in generate(stubs, person, "Say hello.", max_tokens=12)]
    deltas, done = events[:-1], events[-1]
    assert deltas and all(e.HasField("delta") for e in deltas)
    assert done.HasField("done") and done.done.model == "smollm2-135m"
    assert done.done.text == "".join(e.delta.text for e in deltas)
    assert 0 < done.done.completion_tokens <= 12 and done.done.prompt_tokens > 0
    info = await stubs.model.GetModel(pb.GetModelRequest())  # tokenless, for the launcher
    assert info.state == "ready" and info.file_name.endswith(".gguf") and info.queue_size == 0


async def test_a_schema_holds_the_output_to_it(stubs: Stubs, person: Person) -> None:
    call = generate(stubs, person, "Name a city.", json_schema=json.dumps(SCHEMA), max_tokens=60)
    events = [e async for e in call]
    answer = json.loads(events[-1].done.text)
    assert isinstance(answer["city"], str) and isinstance(answer["rank"], int)


async def test_a_full_queue_is_refused_and_a_cancelled_caller_frees_the_model(
    stubs: Stubs, person: Person
) -> None:
    running = generate(stubs, person, "Count from one to a thousand.", max_tokens=4000)
    first = await running.read()  # generating now
    assert first.HasField("delta")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await generate(stubs, person, "Hi.", max_tokens=4).read()
    assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "busy" in (refused.value.details() or "")
    running.cancel()
    # The cancelled generation stops: the next one is admitted and runs to its end. (The
    # server notices the cancel asynchronously: retried until admitted, no sleeping.)
    for _ in range(200):
        try:
            events = [e async for e in generate(stubs, person, "Hi.", max_tokens=4)]
            break
        except grpc.aio.AioRpcError as exc:
            assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            await asyncio.sleep(0)
    assert events[-1].HasField("done")


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (pb.GenerateRequest(), "messages"),
        (pb.GenerateRequest(messages=[pb.Message(role="tool", content="x")]), "messages[0].role"),
        (pb.GenerateRequest(messages=conversation("x"), json_schema="[1]"), "json_schema"),
        (pb.GenerateRequest(messages=conversation("x"), json_schema="{no"), "json_schema"),
        (pb.GenerateRequest(messages=conversation("x"), temperature=float("nan")), "temperature"),
        (pb.GenerateRequest(messages=conversation("x"), max_tokens=-1), "max_tokens"),
        (pb.GenerateRequest(messages=conversation("x " * 5000)), "messages"),
    ],
)
async def test_bad_input_is_invalid_argument_naming_the_field(
    stubs: Stubs, person: Person, request_: pb.GenerateRequest, field: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stubs.model.Generate(request_, metadata=person.md, timeout=30).read()
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = err.value.details() or ""
    assert field.split("[")[0] in details and "/" not in details and "Error" not in details


async def test_without_a_token_generate_is_refused(stubs: Stubs) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stubs.model.Generate(pb.GenerateRequest(messages=conversation("x"))).read()
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


# A whole chat on SmolLM2: up to 8 steps of 512 tokens each, a minute on busy cores.
@pytest.mark.slow
async def test_a_chat_turn_runs_on_the_local_model_in_constrained_turns(
    stubs: Stubs, person: Person
) -> None:
    """SmolLM2 answers poorly, but every step is a valid turn: a call of a known tool with
    schema-checked arguments, or an answer; tokens are counted and cost nothing."""
    reply = await stubs.llm.Chat(
        llm_pb.ChatRequest(message="How many hours in the Projects table?", base_id=BASE_ID),
        metadata=person.md,
        timeout=120,
    )
    assert reply.model == "smollm2-135m" and reply.usage.cost_usd == 0
    assert reply.usage.model_calls >= 1 and reply.usage.prompt_tokens > 0
    assert reply.message
    for call in reply.tool_calls:
        assert call.name == "get_records"
    history = await stubs.llm.GetSessionHistory(
        llm_pb.GetSessionHistoryRequest(session_id=reply.session_id), metadata=person.md
    )
    assert history.messages[-1].role == "assistant"


async def test_a_question_without_a_base_is_asked_which_base(stubs: Stubs, person: Person) -> None:
    """Every tool needs a base's id, and a small model left to answer without one makes a
    figure up: the turn asks which base instead, without generating, and streams that."""
    request = llm_pb.StreamChatRequest(message="How many records are there?")
    events = [e async for e in stubs.llm.StreamChat(request, metadata=person.md, timeout=60)]
    done = events[-1].done
    assert done.message == WHICH_BASE and not done.tool_calls
    assert "".join(e.delta for e in events if e.WhichOneof("event") == "delta") == WHICH_BASE
    assert done.usage.prompt_tokens == 0 and done.usage.cost_usd == 0
    assert done.model == "smollm2-135m"


# A whole chat on SmolLM2: up to 8 steps of 512 tokens each, a minute on busy cores.
@pytest.mark.slow
async def test_streamchat_streams_the_local_models_answer(stubs: Stubs, person: Person) -> None:
    request = llm_pb.StreamChatRequest(message="Say hello to the team.", base_id=BASE_ID)
    events = [e async for e in stubs.llm.StreamChat(request, metadata=person.md, timeout=120)]
    done = events[-1].done
    assert done.model == "smollm2-135m"
    deltas = "".join(e.delta for e in events if e.WhichOneof("event") == "delta")
    # What streamed is the answer's text as far as it came (SmolLM2 may also ramble into a
    # tool call that the token limit cuts off: nothing streams then).
    assert deltas and done.message.startswith(deltas) or not deltas
    assert done.usage.model_calls >= 1 and done.usage.cost_usd == 0
