"""Formula functions in SQL (services/formula/functions.py is the reference).

AND and OR stop at their first false (or true) argument, IF evaluates one branch: an
error counts only where Python would have reached it. VALUE, TODAY, NOW and
DATETIME_DIFF have no SQL form here: Python evaluates them.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from services.airtable.sql_values import (
    UNKNOWN,
    NotSql,
    Sql,
    Typed,
    any_err,
    bool_const,
    const_number,
    definite,
    param,
    text_const,
    to_number,
    to_text,
    truthy,
)
from services.airtable.unicode_sql import convert
from services.formula.parser import Node
from services.formula.values import as_datetime, is_blank, parse_datetime

# Python's str.strip() removes Unicode whitespace, which btrim is told character by character.
SPACES = "".join(chr(i) for i in range(0x3001) if chr(i).isspace())
Compile = Callable[[Node], Typed]


def _chain(name: str, args: list[Typed]) -> Typed:
    """AND/OR: the error of an argument counts when every one before let evaluation on."""
    tests = [truthy(a) for a in args]
    errs: list[Sql] = []
    for i, arg in enumerate(args):
        if arg.err is None:
            continue
        before = [truthy(a) if name == "AND" else sa.not_(definite(a)) for a in args[:i]]
        errs.append(sa.and_(*before, arg.err) if before else arg.err)
    value = sa.and_(*tests) if name == "AND" else sa.or_(*tests)
    return Typed(value, "bool", any_err(*errs))


def _if(args: list[Typed]) -> Typed:
    test, yes = args[0], args[1]
    no = args[2] if len(args) > 2 else text_const("")
    kinds = {t.kind for t in (yes, no) if not (t.kind == "text" and t.const == "")}
    if len(kinds) > 1 or kinds - {"num", "text"}:
        raise NotSql("IF with branches of different kinds")
    kind = kinds.pop() if kinds else "text"
    # A blank branch ('' or none) reads as a blank of the other branch's kind.
    branch = [sa.null() if t.kind == "text" and t.const == "" and kind == "num" else t.sql
              for t in (yes, no)]  # fmt: skip
    cond = truthy(test)
    value = sa.case((cond, branch[0]), else_=branch[1])
    errs = [test.err, sa.and_(cond, yes.err) if yes.err is not None else None,
            sa.and_(sa.not_(definite(test)), no.err) if no.err is not None else None]  # fmt: skip
    return Typed(value, kind, any_err(*errs))


def _find(args: list[Typed], fold: bool) -> Typed:
    needle, haystack = to_text(args[0]), to_text(args[1])
    if fold:
        needle, haystack = sa.func.airtable.casefold(needle), sa.func.airtable.casefold(haystack)
    begin = 0
    if len(args) > 2:
        if args[2].const is UNKNOWN:
            raise NotSql("FIND or SEARCH from a computed position")
        begin = max(int(to_number_const(args[2])) - 1, 0)
    rest = sa.func.substr(haystack, begin + 1)
    at = sa.func.strpos(rest, needle)
    found = sa.case((sa.func.char_length(haystack) < begin, 0), (at == 0, 0), else_=at + begin)
    number = sa.cast(found, sa.Float())
    return Typed(
        sa.func.nullif(number, 0.0) if fold else number, "num", any_err(*(a.err for a in args))
    )


def to_number_const(t: Typed) -> float:
    number = const_number(t)
    if number is None:
        raise NotSql("a start position that is no number")
    return number


def _moment(t: Typed) -> tuple[Sql, Sql | None]:
    if t.kind == "date":
        return t.sql, t.sql.is_(None)
    if t.kind == "text" and t.const is not UNKNOWN:
        parsed = None if is_blank(t.const) else parse_datetime(str(t.const))
        if parsed is None:
            return sa.cast(sa.null(), sa.DateTime(timezone=True)), sa.true()
        return param(as_datetime(parsed), sa.DateTime(timezone=True)), None
    raise NotSql("IS_BEFORE or IS_AFTER of a value that is not a date")


def _before_after(name: str, args: list[Typed]) -> Typed:
    (a, a_err), (b, b_err) = _moment(args[0]), _moment(args[1])
    value = a < b if name == "IS_BEFORE" else a > b
    return Typed(
        sa.func.coalesce(value, sa.false()), "bool", any_err(args[0].err, args[1].err, a_err, b_err)
    )


def _text(name: str, arg: Typed) -> Typed:
    text = to_text(arg)
    if name == "LEN":
        return Typed(sa.cast(sa.func.char_length(text), sa.Float()), "num", arg.err)
    if name == "TRIM":
        return Typed(sa.func.btrim(text, param(SPACES, sa.Text())), "text", arg.err)
    return Typed(convert(text, name.lower()), "text", arg.err)


def call(name: str, nodes: tuple[Node, ...], compile_node: Compile) -> Typed:
    if name in ("TRUE", "FALSE"):
        return bool_const(name == "TRUE")
    if name == "BLANK":
        return text_const("")
    if name in ("VALUE", "TODAY", "NOW", "DATETIME_DIFF"):
        raise NotSql(f"{name}()")
    args = [compile_node(n) for n in nodes]
    if name in ("AND", "OR"):
        return _chain(name, args)
    if name == "NOT":
        return Typed(sa.not_(definite(args[0])), "bool", args[0].err)
    if name == "IF":
        return _if(args)
    if name in ("FIND", "SEARCH"):
        return _find(args, fold=name == "SEARCH")
    if name in ("IS_BEFORE", "IS_AFTER"):
        return _before_after(name, args)
    if name == "CONCATENATE":
        return Typed(
            sa.func.concat(*(to_text(a) for a in args)), "text", any_err(*(a.err for a in args))
        )
    if name in ("LEN", "TRIM", "LOWER", "UPPER"):
        return _text(name, args[0])
    raise NotSql(f"{name}()")


__all__ = ["call", "to_number"]
