"""One page of a table's records, filtered, sorted and paged by PostgreSQL.

Order: the sort keys (blanks last either way, text by its case folding), then the order
records were written in (created_at, batch_index, id). A page token carries the last
record's key: its sort values and those three, so the next page starts right after it
(keyset), whatever was written or deleted meanwhile.

A page is read in two steps when the first sort key can be blank: the records that have
a value (found in the field's expression index from its last value on), then the blank
ones. Each step is one ordered index scan, however deep the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from services.airtable.fieldtypes import NUMBER_TYPES
from services.airtable.formula_sql import stored_text
from services.airtable.local_schema import records
from services.airtable.model import SortKey
from services.airtable.sql_values import FLOAT, Sql, param

TIES = (records.c.created_at, records.c.batch_index, sa.collate(records.c.id, "C"))


@dataclass(frozen=True)
class SortColumn:
    expr: Sql
    descending: bool
    nullable: bool


def sort_expression(field_type: str, name: str) -> tuple[Sql, bool]:
    """What records sort by for a field of the type, and whether it can be blank; as
    records_query.sort_value does in Python."""
    if field_type == "checkbox":
        stored = records.c.fields.op("->")(param(name, sa.Text()))
        # An unchecked box is stored as nothing: a blank, last either way.
        return sa.case((stored == sa.text("'true'::jsonb"), 1)), True
    if field_type in NUMBER_TYPES or field_type == "rating":
        return sa.cast(stored_text(name), FLOAT), True
    if field_type == "multipleSelects":
        stored = records.c.fields.op("->")(param(name, sa.Text()))
        items = (
            sa.func.jsonb_array_elements_text(stored)
            .table_valued("value", with_ordinality="n")
            .render_derived()
        )
        joined = sa.select(
            sa.func.string_agg(items.c.value, aggregate_order_by(sa.literal(", "), items.c.n))
        ).scalar_subquery()
        listed = sa.func.jsonb_typeof(stored) == "array"
        return sa.collate(sa.case((listed, sa.func.airtable.casefold(joined))), "C"), True
    return sa.collate(sa.func.airtable.casefold(stored_text(name)), "C"), True


def sort_columns(types: dict[str, str], keys: tuple[SortKey, ...]) -> list[SortColumn]:
    columns = []
    for key in keys:
        expr, nullable = sort_expression(types[key.field], key.field)
        columns.append(SortColumn(expr, key.descending, nullable))
    return columns


def order_by(columns: list[SortColumn]) -> list[Any]:
    terms = [(c.expr.desc() if c.descending else c.expr.asc()).nulls_last() for c in columns]
    return [*terms, *TIES]


def _beyond(column: SortColumn, value: Any) -> Sql:
    return column.expr < value if column.descending else column.expr > value


def after(columns: list[SortColumn], key: list[Any]) -> Sql:
    """Records that come after the one whose key this is."""
    created, batch, record_id = key[-3:]
    tie_values = (
        param(datetime.fromisoformat(created), records.c.created_at.type),
        param(int(batch), sa.Integer()),
        param(record_id, sa.Text()),
    )
    steps: list[tuple[Sql, Sql]] = []
    for column, value in zip(columns, key[:-3], strict=True):
        if value is None:
            steps.append((column.expr.is_(None), sa.false()))
        elif column.nullable:
            steps.append(
                (column.expr == value, sa.or_(_beyond(column, value), column.expr.is_(None)))
            )
        else:
            steps.append((column.expr == value, _beyond(column, value)))
    steps.append((sa.true(), sa.tuple_(*TIES) > sa.tuple_(*tie_values)))
    alternatives = []
    for i, (_, beyond) in enumerate(steps):
        alternatives.append(sa.and_(*(same for same, _ in steps[:i]), beyond))
    return sa.or_(*alternatives)


def key_of(row: Any, width: int) -> list[Any]:
    values = [getattr(row, f"k{i}") for i in range(width)]
    return [*values, row.created_at.isoformat(), row.batch_index, row.id]


def select_page(
    where: list[Sql], columns: list[SortColumn], key: list[Any] | None
) -> list[sa.Select[Any]]:
    """The statements that read the page's records in order, one after the other until
    enough are found (no LIMIT here: the caller sets it)."""
    labelled = [c.expr.label(f"k{i}") for i, c in enumerate(columns)]
    base = sa.select(records, *labelled).where(*where)
    if key is not None:
        base = base.where(after(columns, key))
    if not columns or not columns[0].nullable:
        return [base.order_by(*order_by(columns))]
    first = columns[0]
    statements = []
    if key is None or key[0] is not None:
        valued = base.where(first.expr.is_not(None))
        if key is not None:
            # A bound the index seeks to (after() alone is an OR it cannot).
            valued = valued.where(
                first.expr <= key[0] if first.descending else first.expr >= key[0]
            )
        statements.append(valued.order_by(*order_by(columns)))
    blank = base.where(first.expr.is_(None))
    statements.append(blank.order_by(*order_by(columns[1:])))
    return statements
