"""What the workflows API does: definitions checked and scoped to the caller's tenant,
executions started, listed and retried. The tenant and the creator always come from the
caller, never from the request.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Awaitable
from typing import Any, Protocol

from services.automation.workflows import model as m
from services.automation.workflows.checks import BASE_ID, check_workflow
from services.automation.workflows.execution_store import ExecutionStore
from services.automation.workflows.schedules import first_tick
from services.automation.workflows.store import WorkflowStore, start
from services.runtime import pagination
from services.runtime.errors import (
    FailedPrecondition,
    NotFound,
    PermissionDenied,
    Violations,
    invalid,
)
from services.runtime.identity import Caller
from services.runtime.keyset import Key
from services.runtime.validation import check_update_mask, is_uuid
from services.runtime.wakeups import Wakeups

REQUEST_ID_MAX = 200
INPUT_MAX_BYTES = 64 * 1024
FIELDS = ("name", "description", "enabled", "trigger", "steps", "overlap_policy")


class Tables(Protocol):
    """The airtable schema, read as the caller (so another tenant's base is not found)."""

    async def field_types(self, base_id: str, table_id: str) -> dict[str, str]:
        """The table's field names and types; NotFound when the caller cannot see it."""
        ...


def not_found(workflow_id: str) -> NotFound:
    return NotFound(f"workflow {workflow_id} not found", reason="WORKFLOW_NOT_FOUND")


def _writer(caller: Caller) -> None:
    if caller.is_service or caller.role == "viewer":
        raise PermissionDenied(
            "workflows are made and run by members and admins", reason="WORKFLOW_WRITER"
        )


def _owner_or_admin(caller: Caller, wf: m.Workflow) -> None:
    if not (caller.is_admin or caller.user_id == wf.creator_user_id):
        raise PermissionDenied(
            "only the workflow's creator or an admin may change it", reason="WORKFLOW_OWNER"
        )


class Workflows:
    def __init__(
        self, store: WorkflowStore, runs: ExecutionStore, tables: Tables, wake: Wakeups
    ) -> None:
        self.store = store
        self.runs = runs
        self.tables = tables
        self.wake = wake

    async def _checked(self, caller: Caller, wf: m.Workflow) -> m.Workflow:
        """The definition checked, with the trigger table's field types attached."""
        types: dict[str, str] = {}
        s = wf.trigger.settings
        if wf.trigger.kind == m.RECORD and BASE_ID.match(str(s.get("base_id", ""))):
            try:
                types = await self.tables.field_types(s["base_id"], str(s.get("table_id", "")))
            except NotFound as exc:
                raise invalid("workflow.trigger.record", exc.message) from exc
            s["field_types"] = types
        check_workflow(wf, types)
        v = Violations()
        for i, step in enumerate(wf.steps):
            base_id, table_id = step.config.get("base_id"), step.config.get("table_id")
            if step.type in m.WRITING_STEPS and isinstance(base_id, str):
                try:
                    await self.tables.field_types(base_id, str(table_id or ""))
                except NotFound as exc:
                    # A new table (import_rows' new_table) needs only its base to exist.
                    if table_id or exc.reason != "TABLE_NOT_FOUND":
                        v.add(f"workflow.steps[{i}].config", exc.message)
        v.raise_if_any()
        return wf

    async def create(self, caller: Caller, wf: m.Workflow, request_id: str) -> m.Workflow:
        _writer(caller)
        if len(request_id) > REQUEST_ID_MAX:
            raise invalid("request_id", f"must be at most {REQUEST_ID_MAX} characters")
        wf = dataclasses.replace(
            wf, id=str(uuid.uuid4()), tenant_id=caller.tenant_id, creator_user_id=caller.user_id
        )
        await self._checked(caller, wf)
        return await self.store.create(wf, request_id, first_tick(wf))

    async def get(self, caller: Caller, workflow_id: str) -> m.Workflow:
        wf = await self.store.get(caller.tenant_id, workflow_id) if is_uuid(workflow_id) else None
        if wf is None:
            raise not_found(workflow_id)
        return wf

    async def list_page(
        self, caller: Caller, page_size: int, token: str
    ) -> tuple[list[m.Workflow], str]:
        def fetch(size: int, after: Key | None) -> Awaitable[tuple[list[m.Workflow], Key | None]]:
            return self.store.page(caller.tenant_id, size, after)

        return await pagination.paged(fetch, page_size, token, what="workflows")

    async def update(self, caller: Caller, changes: m.Workflow, mask: list[str]) -> m.Workflow:
        _writer(caller)
        check_update_mask(mask, FIELDS)
        wf = await self.get(caller, changes.id)
        _owner_or_admin(caller, wf)
        for name in mask:
            setattr(wf, name, getattr(changes, name))
        await self._checked(caller, wf)
        return await self.store.update(wf, first_tick(wf))

    async def delete(self, caller: Caller, workflow_id: str) -> None:
        _writer(caller)
        wf = await self.get(caller, workflow_id)
        _owner_or_admin(caller, wf)
        await self.store.delete(caller.tenant_id, wf.id)

    async def trigger(
        self, caller: Caller, workflow_id: str, data: dict[str, Any], request_id: str
    ) -> m.Execution:
        _writer(caller)
        if len(request_id) > REQUEST_ID_MAX:
            raise invalid("request_id", f"must be at most {REQUEST_ID_MAX} characters")
        if len(json.dumps(data)) > INPUT_MAX_BYTES:
            raise invalid("input", f"must be at most {INPUT_MAX_BYTES} bytes as JSON")
        wf = await self.get(caller, workflow_id)
        if not wf.enabled:
            raise FailedPrecondition(
                "the workflow is paused: enable it first", reason="WORKFLOW_PAUSED"
            )
        async with self.store.engine.begin() as conn:
            execution, _ = await start(
                conn, wf, m.MANUAL, data, f"manual:{request_id or uuid.uuid4()}"
            )
        self.wake.set()
        return execution

    async def execution(self, caller: Caller, workflow_id: str, execution_id: str) -> m.Execution:
        await self.get(caller, workflow_id)
        found = (
            await self.runs.get(caller.tenant_id, workflow_id, execution_id)
            if is_uuid(execution_id)
            else None
        )
        if found is None:
            raise NotFound(f"execution {execution_id} not found", reason="EXECUTION_NOT_FOUND")
        return found

    async def executions(
        self, caller: Caller, workflow_id: str, page_size: int, token: str
    ) -> tuple[list[m.Execution], str]:
        wf = await self.get(caller, workflow_id)

        def fetch(size: int, after: Key | None) -> Awaitable[tuple[list[m.Execution], Key | None]]:
            return self.runs.page(caller.tenant_id, wf.id, size, after)

        return await pagination.paged(fetch, page_size, token, what="executions", w=wf.id)

    async def retry(
        self, caller: Caller, workflow_id: str, execution_id: str, from_start: bool
    ) -> m.Execution:
        _writer(caller)
        execution = await self.execution(caller, workflow_id, execution_id)
        if execution.status != m.FAILED:
            raise FailedPrecondition(
                f"only a failed execution can be retried; this one is {execution.status}",
                reason="EXECUTION_NOT_FAILED",
            )
        wf = await self.get(caller, workflow_id)
        if from_start or len(execution.steps) != len(wf.steps):
            execution.steps = m.fresh_steps(wf.steps)
        else:
            for run in execution.steps:
                if run.status in (m.FAILED, m.RUNNING, m.PENDING, m.SKIPPED):
                    execution.steps[run.index] = m.StepRun(run.index, run.name, run.type)
        queued = await self.runs.requeue(execution)
        self.wake.set()
        return queued
