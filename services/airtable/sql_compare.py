"""Formula comparisons in SQL, case by case as services/formula/values.py compare() does.

Blank equals blank, and (outside dates) 0: `{Name} = ''` also matches text that reads as
zero, `{Count} = 0` matches an empty count. Text compares by code point, case included.
Dates compare as UTC instants; a date against a blank or a text that is no date is an
error (the record does not match), except for = and != which say "not the same".
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from services.airtable.local_schema import records
from services.airtable.sql_values import (
    UNKNOWN,
    NotSql,
    Sql,
    Typed,
    any_err,
    blank,
    c,
    const_number,
    param,
    to_number,
    to_text,
    zero,
)
from services.formula.values import as_datetime, is_blank, parse_datetime

OPS: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
NUMERIC = ("num", "bool")
STAMP = sa.DateTime(timezone=True)


def compare(op: str, a: Typed, b: Typed) -> Typed:
    if a.kind == "date" or b.kind == "date":
        value, err = _dates(op, a, b)
    elif op in ("=", "!="):
        same = _equal(a, b)
        # NOT of a NULL is NULL: != is said of a definite "same".
        value = same if op == "=" else sa.not_(sa.func.coalesce(same, sa.false()))
        err = None
    else:
        value, err = _ordered(op, a, b), None
    return Typed(value, "bool", any_err(a.err, b.err, err))


def _number_field_vs_const(op: str, a: Typed, b: Typed) -> Sql:
    """`{Count} > 5` as `x > 5` (a blank is 0: `OR x IS NULL` when 0 passes), the
    expression the field's sort index is made of."""
    bound = float(b.const)
    plain = OPS[op](a.sql, param(bound, a.sql.type))
    return sa.or_(plain, a.sql.is_(None)) if OPS[op](0.0, bound) else plain


def _equal(a: Typed, b: Typed) -> Sql:
    if a.kind in NUMERIC and b.kind in NUMERIC:
        if a.kind == "num" and b.const is not UNKNOWN and a.field:
            return _number_field_vs_const("=", a, b)
        return to_number(a) == to_number(b)
    if a.kind == "text" and b.kind == "text":
        return _equal_text(b, a) if a.const is not UNKNOWN else _equal_text(a, b)
    text, number = (a, b) if a.kind == "text" else (b, a)
    if text.const is UNKNOWN:
        raise NotSql("text compared with a number")
    if is_blank(text.const):
        return to_number(number) == 0
    parsed = const_number(text)
    if parsed is not None:
        same = to_number(number) == parsed
    else:
        same = c(to_text(number)) == c(param(text.const, sa.Text()))
    if number.kind == "bool":
        return same
    return sa.case((number.sql.is_(None), sa.true() if parsed == 0 else sa.false()), else_=same)


def _equal_text(a: Typed, b: Typed) -> Sql:
    """a = b on text; b may be a constant."""
    if b.const is not UNKNOWN:
        if is_blank(b.const):
            return sa.or_(blank(a), zero(a))
        if a.field is not None:
            # Containment, found in the GIN index: the stored value is this text.
            found = records.c.fields.op("@>", return_type=sa.Boolean())(
                sa.bindparam(None, {a.field: b.const}, JSONB())
            )
            return sa.or_(found, blank(a)) if const_number(b) == 0 else found
        plain = c(a.sql) == c(b.sql)
        return sa.or_(plain, blank(a)) if const_number(b) == 0 else plain
    both, one, other = sa.and_(blank(a), blank(b)), blank(a), blank(b)
    return sa.case((both, sa.true()), (one, zero(b)), (other, zero(a)), else_=c(a.sql) == c(b.sql))


def _ordered(op: str, a: Typed, b: Typed) -> Sql:
    compare_ = OPS[op]
    if a.kind in NUMERIC and b.kind in NUMERIC:
        if a.kind == "num" and a.field and b.const is not UNKNOWN:
            return _number_field_vs_const(op, a, b)
        return compare_(to_number(a), to_number(b))
    if a.kind == "text" and b.kind == "text":
        return compare_(c(to_text(a)), c(to_text(b)))
    text, number = (a, b) if a.kind == "text" else (b, a)
    if text.const is UNKNOWN:
        raise NotSql("text compared with a number")
    flip = text is a

    def side(x: Any, y: Any) -> Any:
        return compare_(y, x) if flip else compare_(x, y)

    parsed = const_number(text)
    if parsed is not None:
        valued = side(to_number(number), parsed)
    else:
        valued = side(c(to_text(number)), c(param(text.const, sa.Text())))
    if number.kind == "bool":
        return valued
    blank_result = sa.true() if side("", text.const) else sa.false()
    return sa.case((number.sql.is_(None), blank_result), else_=valued)


def _dates(op: str, a: Typed, b: Typed) -> tuple[Sql, Sql | None]:
    """value and error of a date comparison: two dates, or a date and a text constant."""
    if a.kind == "date" and b.kind == "date":
        return _two_dates(op, a, b)
    flip = b.kind == "date"
    date, other = (b, a) if flip else (a, b)
    if other.kind != "text" or other.const is UNKNOWN:
        raise NotSql("a date compared with a value that is not one")
    text = str(other.const)
    parsed = None if is_blank(text) else parse_datetime(text)
    moment = param(as_datetime(parsed), STAMP) if parsed is not None else None
    absent, present = date.sql.is_(None), date.sql.is_not(None)
    if op in ("=", "!="):
        same: Sql
        err: Sql | None
        if is_blank(text):
            same, err = absent, None
        else:
            # A blank date against text: Python compares them as numbers (0 = '0').
            when_blank = sa.true() if const_number(other) == 0 else sa.false()
            valued = date.sql == moment if moment is not None else sa.false()
            same = sa.case((absent, when_blank), else_=valued)
            err = present if moment is None else None
        return (same if op == "=" else sa.not_(same)), err
    pair = (text, "") if flip else ("", text)
    when_blank = sa.true() if OPS[op](*pair) else sa.false()
    if moment is None:
        return sa.case((absent, when_blank), else_=sa.false()), present
    valued = OPS[op](moment, date.sql) if flip else OPS[op](date.sql, moment)
    return sa.case((absent, when_blank), else_=valued), None


def _two_dates(op: str, a: Typed, b: Typed) -> tuple[Sql, Sql | None]:
    x, y = a.sql, b.sql
    both = sa.and_(x.is_(None), y.is_(None))
    one = sa.or_(x.is_(None), y.is_(None))
    if op in ("=", "!="):
        same = sa.case((both, sa.true()), (one, sa.false()), else_=x == y)
        return (same if op == "=" else sa.not_(same)), None
    # Both blank: Python compares them as text ('' with ''); one blank raises.
    empty = sa.true() if OPS[op]("", "") else sa.false()
    return sa.case((both, empty), else_=OPS[op](x, y)), sa.and_(one, sa.not_(both))
