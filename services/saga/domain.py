"""The saga API's rules: who may start and cancel, input validation, tenant scoping."""

from __future__ import annotations

import uuid
from typing import Any

from services.runtime import pagination
from services.runtime.errors import FailedPrecondition, NotFound, Violations, invalid
from services.runtime.identity import Caller
from services.runtime.validation import is_uuid
from services.saga import model as m
from services.saga.definitions import SagaDef
from services.saga.orchestrator import Orchestrator
from services.saga.store import SagaStore, now

REQUEST_ID_MAX = 200


def not_found(saga_id: str) -> NotFound:
    return NotFound(f"saga {saga_id} not found", reason="SAGA_NOT_FOUND")


class Sagas:
    def __init__(
        self, store: SagaStore, orchestrator: Orchestrator, types: dict[str, SagaDef]
    ) -> None:
        self.store = store
        self.orchestrator = orchestrator
        self.types = types

    def saga_types(self) -> list[SagaDef]:
        return list(self.types.values())

    async def start(
        self, caller: Caller, type_: str, data: dict[str, Any] | None, request_id: str
    ) -> m.Saga:
        caller.require_admin()
        return await self.start_for(caller.tenant_id, type_, data, request_id)

    async def start_for(
        self, tenant_id: str, type_: str, data: dict[str, Any] | None, request_id: str
    ) -> m.Saga:
        """Starts a saga for a tenant (the API after its checks, and the event consumer)."""
        v = Violations()
        definition = self.types.get(type_)
        if not type_:
            v.add("type", "is required")
        elif definition is None:
            v.add("type", f"unknown saga type {type_!r}; known: {', '.join(self.types)}")
        if not data:
            v.add("input", "is required: a JSON object with the saga type's fields")
        elif definition is not None:
            definition.check_input(v, data)
        if len(request_id) > REQUEST_ID_MAX:
            v.add("request_id", f"must be at most {REQUEST_ID_MAX} characters")
        v.raise_if_any()
        assert definition is not None and data is not None
        stamp = now()
        saga = m.Saga(
            id=str(uuid.uuid4()),
            tenant_id=tenant_id,
            type=type_,
            state=m.RUNNING,
            input=data,
            request_id=request_id or None,
            created_at=stamp,
            updated_at=stamp,
            steps=[m.Step(s.name, i) for i, s in enumerate(definition.steps)],
        )
        stored = await self.store.insert(saga, self.orchestrator.owner, self.orchestrator.lease)
        if stored.id == saga.id:
            self.orchestrator.submit(saga.id)
        return stored

    async def get(self, caller: Caller, saga_id: str) -> m.Saga:
        if not saga_id:
            raise invalid("saga_id", "is required")
        saga = await self.store.get(saga_id, caller.tenant_id) if is_uuid(saga_id) else None
        if saga is None:
            raise not_found(saga_id)
        return saga

    async def list_page(
        self, caller: Caller, size: int, token: str, type_: str, state: str
    ) -> tuple[list[m.Saga], str]:
        v = Violations()
        if type_ and type_ not in self.types:
            v.add("type", f"unknown saga type {type_!r}")
        if state and state not in m.SAGA_STATES:
            v.add("state", f"must be one of {', '.join(m.SAGA_STATES)}")
        v.raise_if_any()
        limit = pagination.page_size(size)
        fp = pagination.fingerprint(type=type_, state=state)
        after = pagination.decode_token(token, fp)
        found, last = await self.store.list_page(caller.tenant_id, limit, after, type_, state)
        return found, pagination.encode_token(last, fp) if last else ""

    async def cancel(self, caller: Caller, saga_id: str) -> m.Saga:
        caller.require_admin()
        saga = await self.get(caller, saga_id)
        if not saga.finished:
            saga = await self.store.request_cancel(saga.id, caller.tenant_id) or saga
            finished = not saga.cancel_requested  # it finished between the read and the write
        else:
            finished = True
        if finished:
            raise FailedPrecondition(
                f"saga {saga_id} already finished ({saga.state})", reason="SAGA_FINISHED"
            )
        return saga
