"""The fault injector against real Redis: each fault does what a real failure does."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from redis.asyncio import Redis

from services.runtime.errors import DomainError
from services.runtime.faults import RULES_KEY, FaultInjector, parse_rules, set_rules
from services.runtime.identity import Caller, set_caller

METHOD = "/tablemesh.permissions.v1.PermissionsService/Grant"


class Method:
    """Stands for the real method: counts how often it ran."""

    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self) -> str:
        self.runs += 1
        return "reply"


async def call(redis: Redis, rules: list[dict[str, Any]], request_id: str = "r1") -> Any:
    await set_rules(redis, rules)
    method = Method()
    request = SimpleNamespace(request_id=request_id)
    try:
        return await FaultInjector(redis).around(METHOD, request, method), method.runs
    except DomainError as exc:
        return exc, method.runs


async def test_unavailable_fails_before_the_method_runs(redis: Redis) -> None:
    error, runs = await call(redis, [{"method": METHOD, "fault": "unavailable"}])
    assert error.code == grpc.StatusCode.UNAVAILABLE and runs == 0


async def test_a_lost_reply_keeps_the_effect(redis: Redis) -> None:
    error, runs = await call(redis, [{"method": METHOD, "fault": "lost_reply"}])
    assert error.code == grpc.StatusCode.UNAVAILABLE and "reply lost" in error.message
    assert runs == 1


async def test_fail_refuses_the_same_request_ids_every_time(redis: Redis) -> None:
    rule = {"method": "/tablemesh.permissions.v1.PermissionsService/", "fault": "fail", "p": 0.5}
    await set_rules(redis, [rule])
    injector = FaultInjector(redis)
    refused = set()
    for n in range(200):
        try:
            await injector.around(METHOD, SimpleNamespace(request_id=f"k{n}"), Method())
        except DomainError as exc:
            assert exc.code == grpc.StatusCode.FAILED_PRECONDITION
            refused.add(n)
    assert 60 < len(refused) < 140
    for n in range(200):  # a retry with the same key gets the same answer
        try:
            await injector.around(METHOD, SimpleNamespace(request_id=f"k{n}"), Method())
            assert n not in refused
        except DomainError:
            assert n in refused


async def test_once_hits_only_the_first_call_of_a_request_id(redis: Redis) -> None:
    await set_rules(redis, [{"method": METHOD, "fault": "lost_reply", "once": True}])
    injector = FaultInjector(redis)
    with pytest.raises(DomainError):
        await injector.around(METHOD, SimpleNamespace(request_id="same"), Method())
    assert await injector.around(METHOD, SimpleNamespace(request_id="same"), Method()) == "reply"


async def test_a_caller_rule_spares_everyone_else(redis: Redis) -> None:
    rules = [{"method": METHOD, "fault": "unavailable", "caller": "service:saga"}]
    reply, runs = await call(redis, rules)
    assert (reply, runs) == ("reply", 1)
    saga = Caller("service:saga", "t", "service", "", "j", 0, "tok")
    set_caller(saga)
    try:
        error, runs = await call(redis, rules)
    finally:
        set_caller(None)
    assert error.code == grpc.StatusCode.UNAVAILABLE and runs == 0


async def test_other_methods_are_untouched(redis: Redis) -> None:
    rules = [{"method": "/tablemesh.users.v1.UsersService/GetUser", "fault": "unavailable"}]
    assert await call(redis, rules) == ("reply", 1)


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ('{"method": "/a/b"}', "JSON list"),
        ('[{"method": "/a/b", "fault": "explode"}]', "fault must be one of"),
        ('[{"method": "a/b", "fault": "fail"}]', "/pkg.Service/Method"),
        ('[{"method": "/a/b", "fault": "fail", "code": "NOPE"}]', "unknown gRPC code NOPE"),
        ('[{"method": "/a/b", "fault": "fail", "colour": "red"}]', "rule 0"),
    ],
)
async def test_bad_rules_are_refused_and_nothing_is_stored(
    redis: Redis, rules: str, message: str
) -> None:
    await redis.delete(RULES_KEY)
    with pytest.raises(ValueError, match=message):
        parse_rules(rules)
    with pytest.raises((ValueError, TypeError)):
        await set_rules(redis, json.loads(rules))
    assert await redis.get(RULES_KEY) is None
