"""The SQL path agrees with the Python evaluator (the reference), on random formulas,
records and sorts, in the real PostgreSQL: the same records match, in the same order."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects.postgresql import ARRAY

from services.airtable.formula_sql import NotSql, condition, split
from services.airtable.local_schema import bases, records, tables
from services.airtable.model import Field, Record, RecordQuery, SortKey, Table
from services.airtable.records_query import sort_records
from services.airtable.records_sql import order_by, sort_columns
from services.airtable.unicode_sql import convert
from services.formula import compile_formula
from services.runtime.db import sqlalchemy_url
from tests.airtable.formula_cases import FIELDS, FORMULAS, SORTS, record

TABLE = Table("tblPropertyTest01", "T", fields=[Field(f"fld{n}", n, t) for n, t in FIELDS.items()])
CHECKS = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def db(airtable_schema: str) -> Iterator[sa.Connection]:
    engine = sa.create_engine(sqlalchemy_url(airtable_schema).replace("+asyncpg", "+psycopg"))
    with engine.connect() as conn:
        stamp = datetime.now(UTC)
        tenant = str(uuid.uuid4())
        base_id = "app" + uuid.uuid4().hex[:14]
        table_id = "tbl" + uuid.uuid4().hex[:14]
        conn.execute(
            bases.insert().values(id=base_id, tenant_id=tenant, name="P", created_at=stamp)
        )
        conn.execute(tables.insert().values(
            id=table_id, tenant_id=tenant, base_id=base_id, name="T", description="",
            position=0, fields=[], views=[], created_at=stamp,
        ))  # fmt: skip
        conn.commit()
        TABLE.id = table_id
        yield conn
    engine.dispose()


def store(conn: sa.Connection, rows: list[dict[str, Any]]) -> list[Record]:
    conn.rollback()  # what the last example left, failed statement or not
    conn.execute(records.delete().where(records.c.table_id == TABLE.id))
    stamp = datetime.now(UTC)
    stored = [Record(f"rec{i:014d}", fields, stamp) for i, fields in enumerate(rows)]
    if stored:
        conn.execute(records.insert(), [
            {"id": r.id, "tenant_id": "t", "table_id": TABLE.id, "fields": r.fields,
             "batch_index": i, "created_at": stamp} for i, r in enumerate(stored)
        ])  # fmt: skip
    return stored


def matching(conn: sa.Connection, where: sa.ColumnElement[bool]) -> set[str]:
    query = sa.select(records.c.id).where(records.c.table_id == TABLE.id, where)
    return set(conn.execute(query).scalars())


@CHECKS
@given(rows=st.lists(record(), max_size=12), text=FORMULAS)
def test_a_compiled_formula_matches_the_records_python_matches(
    db: sa.Connection, rows: list[dict[str, Any]], text: str
) -> None:
    formula = compile_formula(text, FIELDS)
    try:
        where = condition(formula.ast)
    except NotSql as exc:
        event(f"left to Python: {exc}")
        return
    event("compiled")
    stored = store(db, rows)
    expected = {r.id for r in stored if formula.matches(r.fields)}
    assert matching(db, where) == expected, (text, [r.fields for r in stored])


@CHECKS
@given(rows=st.lists(record(), max_size=12), text=FORMULAS)
def test_the_sql_parts_of_a_formula_never_drop_a_match(
    db: sa.Connection, rows: list[dict[str, Any]], text: str
) -> None:
    """Python checks only the records the SQL parts let through: none it matches is lost."""
    formula = compile_formula(f"AND({text}, {{Count}} >= 0)", FIELDS)
    parts, _ = split(formula.ast)
    stored = store(db, rows)
    expected = {r.id for r in stored if formula.matches(r.fields)}
    assert expected <= matching(db, sa.and_(*parts)), text


@CHECKS
@given(rows=st.lists(record(), max_size=12), keys=SORTS)
def test_records_sort_in_sql_as_in_python(
    db: sa.Connection, rows: list[dict[str, Any]], keys: list[tuple[str, bool]]
) -> None:
    sort = tuple(SortKey(name, descending) for name, descending in keys)
    stored = store(db, rows)
    query = RecordQuery(None, sort, (), None, 100)
    expected = [r.id for r in sort_records(stored, TABLE, query)]
    columns = sort_columns(TABLE.field_types(), sort)
    select = sa.select(records.c.id).where(records.c.table_id == TABLE.id)
    found = list(db.execute(select.order_by(*order_by(columns))).scalars())
    assert found == expected, (keys, [r.fields for r in stored])


def test_common_filters_are_sql_only() -> None:
    for text in ("{Name} = 'x'", "AND({Status} = 'Done', {Count} > 5)", "{Done}",
                 "OR(FIND('a', {Notes}), {Price} <= 2)", "IS_BEFORE({Due}, '2024-01-01')",
                 "{Name} = ''", "SEARCH('x', {Name})", "LOWER({Name}) = 'abc'"):  # fmt: skip
        _, missing = split(compile_formula(text, FIELDS).ast)
        assert missing == [], text
    _, missing = split(compile_formula("AND({Count} > 1, VALUE({Name}) > 2)", FIELDS).ast)
    assert missing == ["VALUE()"]


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(st.text(st.characters(codec="utf-8", exclude_characters="\x00")),
                      min_size=1, max_size=20))  # fmt: skip
def test_text_changes_case_in_sql_as_in_python(db: sa.Connection, texts: list[str]) -> None:
    texts = [*texts, "ΑΣ", "ΑΣ Σ", "aΣ.", "ß", "ﬁ", "İ", "Ꭰꭰ", "ΣΑ", "a\u0301Σ"]
    db.rollback()
    for name in ("lower", "upper", "casefold"):
        value = sa.column("t", sa.Text())
        query = sa.select(convert(value, name)).select_from(
            sa.func.unnest(sa.literal(texts, ARRAY(sa.Text()))).table_valued("t").render_derived()
        )
        assert list(db.execute(query).scalars()) == [getattr(t, name)() for t in texts], name
    folded = sa.select(*[sa.func.airtable.casefold(sa.literal(t, sa.Text())) for t in texts])
    assert list(db.execute(folded).one()) == [t.casefold() for t in texts]


def test_a_number_beyond_float8_is_left_to_python() -> None:
    _, missing = split(compile_formula("{Count} < " + "9" * 400, FIELDS).ast)
    assert missing == ["a number too large for the database"]
