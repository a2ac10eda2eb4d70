"""Formula values in SQL: each compiled expression has a kind and converts as values.py does.

Kinds: "num" (float8, NULL = blank), "text" (text, NULL or '' = blank), "bool" (never
NULL), "date" (timestamptz in UTC, NULL = blank; `raw` keeps the stored text). `err` is
the condition under which Python raises (Airtable's #ERROR!: the record does not match);
None when it never does. `const` is the Python value when known while compiling.
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from services.formula.errors import EvaluationError
from services.formula.values import is_blank
from services.formula.values import to_number as python_number

FLOAT: postgresql.DOUBLE_PRECISION[float] = postgresql.DOUBLE_PRECISION()
Sql = sa.ColumnElement[Any]
UNKNOWN = object()


class NotSql(Exception):
    """A formula part that has no faithful SQL form: Python evaluates it (bounded)."""


@dataclass(frozen=True)
class Typed:
    sql: Sql
    kind: str
    err: Sql | None = None
    const: Any = UNKNOWN
    raw: Sql | None = None
    # The field a plain field reference reads (lets equality use the GIN index).
    field: str | None = None


def param(value: Any, type_: Any = None) -> Sql:
    return sa.literal(value, type_) if type_ is not None else sa.literal(value)


def text_const(value: str) -> Typed:
    return Typed(param(value, sa.Text()), "text", const=value)


def num_const(value: float) -> Typed:
    return Typed(param(float(value), FLOAT), "num", const=value)


def bool_const(value: bool) -> Typed:
    return Typed(sa.true() if value else sa.false(), "bool", const=value)


def any_err(*parts: Sql | None) -> Sql | None:
    present = [p for p in parts if p is not None]
    if not present:
        return None
    return present[0] if len(present) == 1 else sa.or_(*present)


def c(expr: Sql) -> Sql:
    """Text compared by code point, as Python compares str."""
    return sa.collate(expr, "C")


def to_text(t: Typed) -> Sql:
    if t.kind == "text":
        return sa.func.coalesce(t.sql, "")
    if t.kind == "bool":
        return sa.case((t.sql, "1"), else_="0")  # NULL (false) reads as "0"
    if t.kind == "num":
        # format_number: whole numbers without ".0" (exact below 1e15), else the shortest
        # repr, which float8's output is too.
        whole = sa.and_(t.sql == sa.func.trunc(t.sql), sa.func.abs(t.sql) < 1e15)
        return sa.case(
            (t.sql.is_(None), ""),
            (whole, sa.cast(sa.cast(t.sql, sa.BigInteger), sa.Text)),
            else_=sa.cast(t.sql, sa.Text),
        )
    if t.kind == "date" and t.raw is not None:
        return sa.func.coalesce(t.raw, "")
    raise NotSql("a date-time as text")


def to_number(t: Typed) -> Sql:
    if t.kind == "num":
        return sa.func.coalesce(t.sql, 0.0)
    if t.kind == "bool":
        return sa.cast(sa.cast(definite(t), sa.Integer), FLOAT)
    if t.kind == "text" and t.const is not UNKNOWN:
        number = const_number(t)
        if number is None:
            raise NotSql("text that is no number, as a number")
        return param(number, FLOAT)
    raise NotSql("text or a date as a number")


def const_number(t: Typed) -> float | None:
    """A text constant's number, None when it reads as none (Python raises there)."""
    try:
        return float(python_number(t.const))
    except EvaluationError:
        return None


def truthy(t: Typed) -> Sql:
    if t.kind == "num":
        return sa.func.coalesce(t.sql, 0.0) != 0
    if t.kind == "text":
        return sa.func.coalesce(t.sql, "") != ""
    if t.kind == "bool":
        # NULL stands for false here: a WHERE, AND and OR treat them alike, and an index
        # serves the bare condition; definite() is for where they differ (NOT).
        return t.sql
    return t.sql.is_not(None)


def definite(t: Typed) -> Sql:
    """truthy(), never NULL: for NOT, and a boolean read as a number or text."""
    return sa.func.coalesce(truthy(t), sa.false())


def blank(t: Typed) -> Sql:
    if t.const is not UNKNOWN:
        return sa.true() if is_blank(t.const) else sa.false()
    if t.kind == "text":
        return sa.func.coalesce(t.sql, "") == ""
    if t.kind == "bool":
        return sa.false()
    return t.sql.is_(None)


def _class(codes: list[int]) -> str:
    """A regex bracket class of the code points, as ranges."""
    parts, start, prev = [], None, None
    for code in [*codes, -2]:
        if start is None:
            start = prev = code
        elif code == prev + 1:  # type: ignore[operator]
            prev = code
        else:
            parts.append(chr(start) if start == prev else f"{chr(start)}-{chr(prev)}")  # type: ignore[arg-type]
            start = prev = code
    return "[" + "".join(parts) + "]"


def _zero_pattern() -> str:
    """Text that Python's float() reads as zero (blank equals 0, as in Airtable): Unicode
    digits and spaces, underscores between digits, any exponent."""
    digits = [i for i in range(sys.maxunicode + 1) if unicodedata.decimal(chr(i), None) is not None]
    zeros = [i for i in digits if unicodedata.decimal(chr(i)) == 0]
    space = _class([i for i in range(sys.maxunicode + 1) if chr(i).isspace()])
    z, d = _class(zeros), _class(digits)
    zs = f"{z}(_?{z})*"
    mantissa = f"({zs}(\\.({zs})?)?|\\.{zs})"
    return f"^{space}*[+-]?{mantissa}([eE][+-]?{d}(_?{d})*)?{space}*$"


ZERO_PATTERN = _zero_pattern()


def zero(t: Typed) -> Sql:
    """Whether text reads as the number 0 (to_number(text) == 0, commas dropped)."""
    if t.const is not UNKNOWN:
        return sa.true() if const_number(t) == 0 else sa.false()
    cleaned = sa.func.replace(sa.func.coalesce(t.sql, ""), ",", "")
    return sa.func.coalesce(cleaned.op("~")(param(ZERO_PATTERN, sa.Text())), sa.false())
