"""The local backend's reads in SQL: keyset pages, the Python-checked parts of a formula
and their bound, and the sort indexes made on demand (real PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.airtable.cache import CachedBackend
from services.airtable.domain import Airtable
from services.airtable.field_indexes import FieldIndexes, index_name
from services.airtable.local_backend import LocalBackend
from services.airtable.local_schema import field_indexes, records
from services.airtable.model import Field, Record, TableSpec
from services.airtable.records_sql import order_by, select_page, sort_columns
from services.runtime.errors import InvalidArgument
from services.runtime.identity import Caller
from tests.airtable.conftest import caller, domain

SPEC = TableSpec("Tasks", "", [
    Field("", "Name", "singleLineText"), Field("", "Hours", "number"),
    Field("", "Done", "checkbox"), Field("", "Notes", "multilineText"),
    Field("", "Kind", "singleSelect"),
])  # fmt: skip


def rows(count: int) -> list[dict[str, Any]]:
    """Duplicates, blanks and case: what keyset pages must not lose or repeat."""
    out: list[dict[str, Any]] = []
    for i in range(count):
        row: dict[str, Any] = {"Name": ["beta", "Alpha", "alpha", "Gamma", "ß"][i % 5] + str(i % 3)}
        if i % 4:
            row["Hours"] = (i * 7) % 11
        if i % 3 == 0:
            row["Done"] = True
        out.append(row)
    return out


@pytest.fixture
async def local(airtable_schema: str, engine: AsyncEngine, redis: Redis) -> LocalBackend:
    indexes = FieldIndexes(engine, per_table=1, min_records=30, uses=1)
    return LocalBackend(engine, scan_limit=40, indexes=indexes)


async def table_of(
    backend: LocalBackend, redis: Redis, count: int
) -> tuple[Airtable, Caller, str, str]:
    airtable = domain(CachedBackend(backend, redis), redis)
    who = caller()
    base, tables = await airtable.create_base(who, "Large", [SPEC], "")
    values = rows(count)
    for start in range(0, count, 10):
        await airtable.create_records(
            who, base.id, tables[0].id, values[start : start + 10], False, ""
        )
    return airtable, who, base.id, tables[0].id


async def page(
    airtable: Airtable, who: Caller, where: tuple[str, str], token: str = "", **query: Any
) -> tuple[list[Record], str]:
    return await airtable.list_records(
        who,
        *where,
        formula=query.get("formula", ""),
        sort=query.get("sort", []),
        fields=[],
        view="",
        page_size=query.get("size", 7),
        page_token=token,
    )


async def every_page(
    airtable: Airtable, who: Caller, base: str, table: str, **query: Any
) -> tuple[list[str], int]:
    seen: list[str] = []
    token, pages = "", 0
    while True:
        found, token = await page(airtable, who, (base, table), token, **query)
        seen += [r.id for r in found]
        pages += 1
        if not token:
            return seen, pages


async def test_keyset_pages_walk_the_same_order_as_one_page(
    local: LocalBackend, redis: Redis
) -> None:
    airtable, who, base, table = await table_of(local, redis, 45)
    for sort in (["Hours desc", "Name"], ["Name"], ["Done", "Hours"], []):
        whole, _ = await page(airtable, who, (base, table), sort=sort, size=100)
        paged, pages = await every_page(airtable, who, base, table, sort=sort)
        assert paged == [r.id for r in whole] and len(paged) == 45 and pages == 7, sort


async def test_a_page_token_keeps_its_place_while_records_are_written(
    local: LocalBackend, redis: Redis
) -> None:
    airtable, who, base, table = await table_of(local, redis, 20)
    first, token = await page(airtable, who, (base, table), sort=["Hours"], size=5)
    # A record that sorts before the page read: the next page neither repeats nor skips.
    await airtable.create_records(who, base, table, [{"Name": "early", "Hours": -1}], False, "")
    second, _ = await page(airtable, who, (base, table), token, sort=["Hours"], size=5)
    assert not {r.id for r in first} & {r.id for r in second}
    assert all(r.fields.get("Hours", 99) >= first[-1].fields["Hours"] for r in second)


async def test_a_formula_part_without_sql_is_checked_in_python_within_the_limit(
    local: LocalBackend, redis: Redis
) -> None:
    airtable, who, base, table = await table_of(local, redis, 45)
    with pytest.raises(InvalidArgument) as refused:
        await every_page(airtable, who, base, table, formula="VALUE({Hours} & '') > 5")
    assert refused.value.reason == "FORMULA_SCAN_LIMIT"
    assert str(refused.value) == (
        "filter_by_formula: VALUE() is checked record by record, and this filter would check "
        "more than 40 records; narrow it with conditions on fields (for example "
        "AND({Status} = 'Done', ...))"
    )
    # Narrowed by a part SQL computes (the 15 checked ones), Python checks the rest.
    narrowed = "AND({Done}, VALUE({Hours} & '') > 5)"
    found, _ = await every_page(airtable, who, base, table, formula=narrowed, sort=["Name"])
    expected = [i for i, row in enumerate(rows(45)) if row.get("Done") and row.get("Hours", 0) > 5]
    assert len(found) == len(expected) > 0


async def test_a_large_table_gets_an_index_for_its_sort_field_and_no_more(
    local: LocalBackend, redis: Redis, engine: AsyncEngine
) -> None:
    airtable, who, base, table = await table_of(local, redis, 35)
    await every_page(airtable, who, base, table, sort=["Name desc"])
    await every_page(airtable, who, base, table, sort=["Hours"])
    await local.indexes.wait()
    of_table = sa.select(field_indexes).where(field_indexes.c.table_id == table)
    async with engine.connect() as conn:
        made = (await conn.execute(of_table)).all()
        assert [(r.field, r.descending, r.state) for r in made] == [("Name", True, "ready")]
        assert made[0].name == index_name(table, "Name", True)
        # The index serves the sorted page: the planner picks it when scans are dear.
        await conn.execute(sa.text("SET enable_seqscan = off"))
        await conn.execute(sa.text("SET enable_bitmapscan = off"))
        table_row = (await airtable.get_schema(who, base))[0]
        columns = sort_columns(
            table_row.field_types(),
            (__import__("services.airtable.model", fromlist=["SortKey"]).SortKey("Name", True),),
        )
        statement = select_page([records.c.table_id == table], columns, None)[0].limit(5)
        compiled = statement.compile(engine.sync_engine, compile_kwargs={"literal_binds": True})
        plan = "\n".join((await conn.exec_driver_sql(f"EXPLAIN {compiled}")).scalars())
        assert made[0].name in plan, plan
    await airtable.delete_base(caller(who.tenant_id, "admin"), base)
    await local.indexes.wait()
    async with engine.connect() as conn:
        left = (await conn.execute(of_table)).all()
        kept = (
            await conn.execute(
                sa.text("SELECT count(*) FROM pg_indexes WHERE indexname = :n"), {"n": made[0].name}
            )
        ).scalar_one()
    assert left == [] and kept == 0


def test_order_by_ends_with_the_write_order() -> None:
    assert len(order_by([])) == 3


async def test_a_build_left_by_a_stopped_process_is_dropped_and_made_again(
    local: LocalBackend, redis: Redis, engine: AsyncEngine
) -> None:
    _, _, _, table = await table_of(local, redis, 35)
    name = index_name(table, "Name", False)
    async with engine.begin() as conn:
        await conn.execute(field_indexes.insert().values(
            name=name, table_id=table, field="Name", descending=False, state="building",
            created_at=datetime.now(UTC) - timedelta(hours=2),
        ))  # fmt: skip
    assert await local.indexes.ensure(table, "Name", "singleLineText", False)
    async with engine.connect() as conn:
        states = (await conn.execute(sa.select(field_indexes.c.state).where(
            field_indexes.c.name == name))).scalars().all()  # fmt: skip
    assert states == ["ready"]


async def test_writers_write_side_by_side_and_add_choices_one_at_a_time(
    local: LocalBackend, redis: Redis
) -> None:
    airtable, who, base, table = await table_of(local, redis, 0)

    async def write(k: int) -> None:
        for i in range(5):
            # Even writers add a select choice (typecast): those lock the table's row.
            fields = {"Name": f"w{k}-{i}", **({"Kind": f"k{k}"} if k % 2 == 0 else {})}
            await airtable.create_records(who, base, table, [fields], k % 2 == 0, "")

    await asyncio.gather(*(write(k) for k in range(8)))
    found, _ = await page(airtable, who, (base, table), size=100)
    assert sorted(r.fields["Name"] for r in found) == sorted(
        f"w{k}-{i}" for k in range(8) for i in range(5)
    )
    kind = (await airtable.get_schema(who, base))[0].field_named("Kind")
    assert kind is not None
    assert sorted(c["name"] for c in kind.options["choices"]) == ["k0", "k2", "k4", "k6"]
