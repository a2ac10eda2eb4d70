"""Fault injection for chaos drills and the saga soak tests.

Off unless TABLEMESH_FAULT_INJECTION is true; then every service reads its rules from the
Redis key `tablemesh:faults` (a JSON list, written by `tablemesh faults set` or a test) at
most every RULES_TTL seconds, so a running mesh changes behaviour without a restart. The
faults are the ones a distributed call really suffers, injected around the real method:

- "unavailable": the call fails with UNAVAILABLE before the method runs (nothing happens).
- "lost_reply": the method runs and its effect stays, but the caller gets UNAVAILABLE.
- "fail": the method is refused with `code` before it runs, for a fixed share `p` of
  request ids (the same request id always fails: a participant that fails "for good").
- "hold": the method runs, then its reply is held `seconds` (time to kill the caller).

A rule: {"method": "/pkg.Service/Method" or "/pkg.Service/" (every method), "fault": ...,
"p": chance per call (default 1), "code": a gRPC code name for "fail", "seconds": for
"hold", "caller": only calls by this subject (for example "service:saga"), "once": only
the first call of each request id (of each identical request, for methods without one)}.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
from redis.asyncio import Redis

from services.runtime import logs
from services.runtime.errors import DomainError, Unavailable
from services.runtime.identity import current_caller_or_none

RULES_KEY = "tablemesh:faults"
SEEN_PREFIX = "tablemesh:faults:seen:"
RULES_TTL = 0.5
FAULTS = ("unavailable", "lost_reply", "fail", "hold")
log = logs.get("faults")


@dataclass(frozen=True)
class Rule:
    method: str
    fault: str
    p: float = 1.0
    code: str = "FAILED_PRECONDITION"
    seconds: float = 30.0
    caller: str = ""
    once: bool = False

    def matches(self, method: str, caller: str) -> bool:
        exact = method == self.method or (
            self.method.endswith("/") and method.startswith(self.method)
        )
        return exact and (not self.caller or self.caller == caller)


def parse_rules(raw: str) -> list[Rule]:
    """The rules of a JSON list; a ValueError says which rule is wrong and why."""
    items = json.loads(raw)
    if not isinstance(items, list):
        raise ValueError("fault rules must be a JSON list")
    rules = []
    for n, item in enumerate(items):
        try:
            rule = Rule(**item)
        except TypeError as exc:
            raise ValueError(f"rule {n}: {exc}") from None
        if rule.fault not in FAULTS:
            raise ValueError(f"rule {n}: fault must be one of {', '.join(FAULTS)}")
        if not rule.method.startswith("/"):
            raise ValueError(f"rule {n}: method must look like /pkg.Service/Method")
        if rule.code not in grpc.StatusCode.__members__:
            raise ValueError(f"rule {n}: unknown gRPC code {rule.code}")
        rules.append(rule)
    return rules


async def set_rules(
    redis: Redis, rules: list[dict[str, Any]], actor: str = "", stream: str = ""
) -> None:
    """Replaces the mesh's fault rules (after checking them) and forgets who saw `once`.

    The rules and the `faults.set` event announcing them (the audit log records it) are
    written in one Redis transaction (MULTI/EXEC): the rules live in Redis, not in any
    service's database, so the event goes straight onto the stream instead of an outbox.
    It belongs to no tenant: fault rules are the mesh operator's. `stream` is the mesh's
    event stream unless a test names its own."""
    raw = json.dumps(rules)
    parse_rules(raw)
    # Imported here: the events module pulls SQLAlchemy, which the rules' readers need not.
    from tablemesh.events.v1.events_pb2 import Actor, ActorKind, FaultRulesSet

    from services.runtime import events

    who = Actor(kind=ActorKind.ACTOR_KIND_SERVICE, id=actor or "operator", role="operator")
    payload = FaultRulesSet(key=RULES_KEY, rule_count=len(rules), rules=raw)
    event = events.new_event("faults.set", "", "launcher", actor=who, fault_rules=payload)
    fields = {"id": event.id, "type": event.type, "event": events.to_json(event)}
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(RULES_KEY, raw)
        pipe.xadd(stream or events.STREAM, fields, maxlen=events.STREAM_MAXLEN, approximate=True)  # type: ignore[arg-type]
        await pipe.execute()
    async for key in redis.scan_iter(match=f"{SEEN_PREFIX}*", count=500):
        await redis.delete(key)


class Injected(DomainError):
    """A fault this module made up; its code is the rule's."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message, reason="INJECTED_FAULT")
        self.code = code


def _share(request_id: str) -> float:
    """A fixed number in [0, 1) per request id: the same id always lands the same side."""
    return int(hashlib.sha256(request_id.encode()).hexdigest()[:8], 16) / 2**32


class FaultInjector:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._rules: list[Rule] = []
        self._loaded_at = -RULES_TTL

    async def _current_rules(self) -> list[Rule]:
        if time.monotonic() - self._loaded_at >= RULES_TTL:
            self._loaded_at = time.monotonic()
            try:
                raw = await self._redis.get(RULES_KEY)
                self._rules = parse_rules(str(raw)) if raw else []
            except Exception as exc:  # noqa: BLE001 - bad rules inject nothing
                log.warning("fault rules unusable", error=str(exc))
                self._rules = []
        return self._rules

    async def _applies(self, n: int, rule: Rule, request: Any) -> bool:
        request_id = str(getattr(request, "request_id", "") or "")
        if rule.fault == "fail":
            return bool(request_id) and _share(f"{n}:{request_id}") < rule.p
        if random.random() >= rule.p:
            return False
        if rule.once:
            seen = request_id or hashlib.sha256(request.SerializeToString()).hexdigest()
            key = f"{SEEN_PREFIX}{n}:{seen}"
            return bool(await self._redis.set(key, 1, nx=True, ex=3600))
        return True

    async def around(self, method: str, request: Any, call: Callable[[], Awaitable[Any]]) -> Any:
        """Runs `call` (the real method) with whatever faults the rules inject."""
        caller = current_caller_or_none()
        subject = caller.user_id if caller else ""
        chosen = [
            r
            for n, r in enumerate(await self._current_rules())
            if r.matches(method, subject) and await self._applies(n, r, request)
        ]
        for rule in chosen:
            if rule.fault in ("unavailable", "fail"):
                log.warning("injecting fault", fault=rule.fault, rule_method=rule.method)
            if rule.fault == "unavailable":
                raise Unavailable("injected fault: unavailable", reason="INJECTED_FAULT")
            if rule.fault == "fail":
                code = grpc.StatusCode[rule.code]
                raise Injected(code, f"injected fault: {method} refused for this request")
        reply = await call()
        for rule in (r for r in chosen if r.fault in ("hold", "lost_reply")):
            log.warning("injecting fault", fault=rule.fault, rule_method=rule.method)
            if rule.fault == "hold":
                await asyncio.sleep(rule.seconds)
            if rule.fault == "lost_reply":
                raise Unavailable("injected fault: reply lost", reason="INJECTED_FAULT")
        return reply
