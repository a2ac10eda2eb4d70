"""What a step is given and gives back, and the interface to the mesh it acts through."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from services.automation.workflows import model as m


class StepFailed(Exception):
    """A step's failure that retrying will not mend (bad data, a refusal)."""


class Actions(Protocol):
    """The mesh calls steps make, as the workflow's creator (see mesh_actions.py)."""

    async def create_records(
        self, who: Who, base_id: str, table_id: str, records: list[dict[str, Any]],
        typecast: bool, request_id: str,
    ) -> list[dict[str, Any]]: ...  # fmt: skip

    async def update_records(
        self, who: Who, base_id: str, table_id: str, records: list[dict[str, Any]], typecast: bool
    ) -> list[dict[str, Any]]: ...

    async def notify(
        self, who: Who, user_id: str, title: str, body: str, request_id: str
    ) -> str: ...

    async def read_file(self, who: Who, file_id: str) -> dict[str, Any]:
        """The file's id, name, text and tables (rows of cells), read in its tenant."""
        ...

    async def create_table(
        self, who: Who, base_id: str, name: str, fields: list[dict[str, str]]
    ) -> str:
        """A new table's id, or the id of the table of that name a retry finds made."""
        ...


@dataclass(frozen=True)
class Who:
    """Whom a step acts for: the workflow's creator, in the workflow's tenant."""

    tenant_id: str
    user_id: str


@dataclass
class Outcome:
    output: dict[str, Any] = field(default_factory=dict)
    # Set by a delay step that must wait: the execution sleeps until then.
    wait_until: datetime | None = None
    # Set by a condition that was false: the execution ends here, successfully.
    stop: bool = False


@dataclass
class StepCall:
    execution: m.Execution
    index: int
    config: dict[str, Any]
    who: Who
    logs: list[str]
    # The types of the trigger table's fields (record triggers), for conditions.
    known_types: dict[str, str] = field(default_factory=dict)

    @property
    def request_id(self) -> str:
        return f"wf:{self.execution.id}:{self.index}"

    @property
    def earlier_output(self) -> dict[str, Any]:
        return self.execution.steps[self.index].output
