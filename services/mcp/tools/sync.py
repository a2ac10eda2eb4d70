"""sync_tables: copy records from one table to another, matched by a key field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.mcp.catalog import Tool, ToolFailure, ToolResult
from services.mcp.tables import Tables
from services.mcp.tools import schemas as s
from services.mcp.tools.stats import is_blank

Json = dict[str, Any]


@dataclass
class SyncPlan:
    creates: list[Json] = field(default_factory=list)  # field values of new target records
    updates: list[Json] = field(default_factory=list)  # {"id", "fields"} of changed ones
    unchanged: int = 0
    skipped_blank_key: int = 0
    skipped_duplicate_key: int = 0


def _key(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return tuple(value)
    return value


def plan_sync(
    source: list[Json], target: list[Json], key_field: str, fields: list[str]
) -> SyncPlan:
    """What to create and update in the target so it matches the source on `fields`.

    Records match when their key values are equal (text compared without surrounding
    spaces). A source key seen twice is used once (the first); target records without a
    source are left alone.
    """
    plan = SyncPlan()
    by_key: dict[Any, Json] = {}
    for record in target:
        value = record["fields"].get(key_field)
        if not is_blank(value):
            by_key.setdefault(_key(value), record)
    seen: set[Any] = set()
    copied = [key_field, *(f for f in fields if f != key_field)]
    for record in source:
        value = record["fields"].get(key_field)
        if is_blank(value):
            plan.skipped_blank_key += 1
            continue
        key = _key(value)
        if key in seen:
            plan.skipped_duplicate_key += 1
            continue
        seen.add(key)
        wanted = {f: record["fields"].get(f) for f in copied}
        match = by_key.get(key)
        if match is None:
            plan.creates.append({f: v for f, v in wanted.items() if not is_blank(v)})
            continue
        changed = {
            f: v for f, v in wanted.items() if match["fields"].get(f) != v and f != key_field
        }
        if changed:
            plan.updates.append({"id": match["id"], "fields": changed})
        else:
            plan.unchanged += 1
    return plan


async def sync_tables(tables: Tables, a: Json) -> ToolResult:
    source_base, target_base = a["base_id"], a.get("target_base_id") or a["base_id"]
    source_table = await tables.table(source_base, a["source_table"])
    target_table = await tables.table(target_base, a["target_table"])
    target_fields = {f["name"] for f in target_table["fields"]}
    key = a["key_field"]
    for side, table in (("source", source_table), ("target", target_table)):
        if key not in {f["name"] for f in table["fields"]}:
            raise ToolFailure("FAILED_PRECONDITION", f"{side} table has no field {key!r}")
    wanted = a.get("fields") or [f["name"] for f in source_table["fields"]]
    copied = [f for f in wanted if f in target_fields]
    limit = a["max_records"]
    source, source_more = await tables.list_records(source_base, source_table["id"], limit=limit)
    target, target_more = await tables.list_records(target_base, target_table["id"], limit=limit)
    if source_more or target_more:
        raise ToolFailure("FAILED_PRECONDITION", f"a table has more than {limit} records")
    plan = plan_sync(source, target, key, copied)
    if not a["dry_run"]:
        await tables.create(target_base, target_table["id"], plan.creates, a["typecast"])
        await tables.update(target_base, target_table["id"], plan.updates, typecast=a["typecast"])
    data = {
        "dry_run": a["dry_run"],
        "created": len(plan.creates),
        "updated": len(plan.updates),
        "unchanged": plan.unchanged,
        "skipped_blank_key": plan.skipped_blank_key,
        "skipped_duplicate_key": plan.skipped_duplicate_key,
        "fields_copied": copied,
        "fields_not_in_target": [f for f in wanted if f not in target_fields],
    }
    return ToolResult(data)


TOOLS = [
    Tool(
        "sync_tables",
        "Copy records from a source table to a target table (in the same base, or in "
        "target_base_id), matching records by a key field: missing ones are created, "
        "changed ones updated; fields the target lacks are skipped. dry_run only reports.",
        s.arguments(
            ["base_id", "source_table", "target_table", "key_field"],
            base_id=s.BASE_ID,
            source_table=s.TABLE,
            target_table=s.TABLE,
            key_field=s.FIELD_NAME,
            target_base_id=s.BASE_ID,
            fields=s.FIELD_NAMES,
            dry_run={"type": "boolean", "default": False},
            typecast=s.TYPECAST,
            max_records=s.max_records(1000),
        ),
        sync_tables,
    ),
]
