"""A parsed formula as SQL over a record's JSONB fields, with bound parameters only.

Each node compiles to a Typed value (sql_values.py) that behaves as the Python evaluator's
value does, errors included: a record matches when the value is truthy and nothing on
the way raised. A node without a faithful SQL form raises NotSql; the caller then keeps
that part for Python over a bounded candidate set (records_sql.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from services.airtable.fieldtypes import NUMBER_TYPES, TEXT_TYPES
from services.airtable.local_schema import records
from services.airtable.sql_compare import compare
from services.airtable.sql_functions import call
from services.airtable.sql_values import (
    FLOAT,
    NotSql,
    Sql,
    Typed,
    any_err,
    bool_const,
    num_const,
    param,
    text_const,
    to_number,
    to_text,
    truthy,
)
from services.formula.parser import Binary, Call, FieldRef, Literal, Node, Unary

COMPARISONS = ("=", "!=", "<", ">", "<=", ">=")
UTC = sa.text("'UTC'")


def stored_text(name: str) -> Sql:
    return records.c.fields.op("->>", return_type=sa.Text())(param(name, sa.Text()))


def field_ref(ref: FieldRef) -> Typed:
    raw = stored_text(ref.name)
    if ref.type in TEXT_TYPES or ref.type == "singleSelect":
        return Typed(raw, "text", field=ref.name)
    if ref.type in NUMBER_TYPES or ref.type == "rating":
        return Typed(sa.cast(raw, FLOAT), "num", field=ref.name)
    if ref.type == "checkbox":
        # Containment (never NULL), found in the GIN index: only a ticked box is stored.
        ticked = sa.bindparam(None, {ref.name: True}, JSONB())
        return Typed(records.c.fields.op("@>", return_type=sa.Boolean())(ticked), "bool")
    if ref.type == "date":
        day = sa.cast(sa.cast(raw, sa.Date), sa.DateTime())
        return Typed(sa.func.timezone(UTC, day), "date", raw=raw)
    if ref.type == "dateTime":
        return Typed(sa.cast(raw, sa.DateTime(timezone=True)), "date")
    raise NotSql(f"a {ref.type} field")


def literal(node: Literal) -> Typed:
    value = node.value
    if isinstance(value, bool):
        return bool_const(value)
    if isinstance(value, int | float):
        return num_const(value)
    return text_const(str(value))


def arithmetic(op: str, a: Typed, b: Typed) -> Typed:
    if op == "&":
        return Typed(sa.func.concat(to_text(a), to_text(b)), "text", any_err(a.err, b.err))
    if a.kind == "date" or b.kind == "date":
        raise NotSql("date arithmetic")
    x, y = to_number(a), to_number(b)
    if op == "+":
        return Typed(x + y, "num", any_err(a.err, b.err))
    if op == "-":
        return Typed(x - y, "num", any_err(a.err, b.err))
    if op == "*":
        return Typed(x * y, "num", any_err(a.err, b.err))
    by_zero = y == 0
    quotient = sa.case((by_zero, sa.null()), else_=x / sa.func.nullif(y, 0.0))
    return Typed(quotient, "num", any_err(a.err, b.err, by_zero))


def compile_node(node: Node) -> Typed:
    if isinstance(node, Literal):
        return literal(node)
    if isinstance(node, FieldRef):
        return field_ref(node)
    if isinstance(node, Unary):
        operand = compile_node(node.operand)
        return Typed(-to_number(operand), "num", operand.err)
    if isinstance(node, Binary):
        a, b = compile_node(node.left), compile_node(node.right)
        if node.op in COMPARISONS:
            return compare(node.op, a, b)
        return arithmetic(node.op, a, b)
    assert isinstance(node, Call)
    return call(node.name, node.args, compile_node)


def condition(node: Node) -> Sql:
    """Rows where the formula matches: its value is truthy and it raised nowhere."""
    typed = compile_node(node)
    if typed.err is None:
        return truthy(typed)
    return sa.and_(truthy(typed), sa.not_(sa.func.coalesce(typed.err, sa.false())))


def split(node: Node) -> tuple[list[Sql], list[str]]:
    """The SQL conditions of the top-level AND's parts that have one, and why the others
    have none (Python checks the whole formula on the rows the SQL ones let through)."""
    parts = list(node.args) if isinstance(node, Call) and node.name == "AND" else [node]
    found: list[Sql] = []
    missing: list[str] = []
    for part in parts:
        try:
            found.append(condition(part))
        except NotSql as exc:
            missing.append(str(exc))
        except (OverflowError, ValueError):
            # A constant beyond float8 (a 400-digit number): Python's numbers go on.
            missing.append("a number too large for the database")
    return found, missing


__all__ = ["NotSql", "condition", "split", "bool_const", "num_const"]
