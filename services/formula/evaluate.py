"""Evaluates a parsed formula over one record's fields (a dict by field name)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from services.formula.errors import EvaluationError
from services.formula.functions import FUNCTIONS
from services.formula.parser import Binary, Call, FieldRef, Literal, Node, Unary
from services.formula.values import (
    Value,
    as_datetime,
    compare,
    is_date,
    parse_datetime,
    to_number,
    to_text,
    truthy,
)

COMPARISONS = ("=", "!=", "<", ">", "<=", ">=")


def field_value(ref: FieldRef, fields: dict[str, Any]) -> Value:
    """A stored value as formulas see it: dates as dates, an unchecked box as FALSE."""
    value = fields.get(ref.name)
    if ref.type == "checkbox":
        return bool(value)
    if ref.type in ("date", "dateTime") and isinstance(value, str):
        return parse_datetime(value)
    return value


def _shift(moment: date, days: float) -> date:
    if not isinstance(moment, datetime) and float(days).is_integer():
        return moment + timedelta(days=int(days))
    return as_datetime(moment) + timedelta(days=days)


def arithmetic(op: str, left: Value, right: Value) -> Value:
    """Numbers as numbers; a date plus or minus a number of days; date minus date in days."""
    if op == "&":
        return to_text(left) + to_text(right)
    if is_date(left) or is_date(right):
        if op == "-" and is_date(left) and is_date(right):
            return (as_datetime(left) - as_datetime(right)).total_seconds() / 86400
        if op == "+" and is_date(right) and not is_date(left):
            left, right = right, left
        if op in ("+", "-") and is_date(left) and not is_date(right):
            days = to_number(right)
            return _shift(left, days if op == "+" else -days)
        raise EvaluationError(f"cannot apply {op} to a date")
    a, b = to_number(left), to_number(right)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        raise EvaluationError("division by zero")
    return a / b


def evaluate(node: Node, fields: dict[str, Any]) -> Value:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, FieldRef):
        return field_value(node, fields)
    if isinstance(node, Unary):
        return -to_number(evaluate(node.operand, fields))
    if isinstance(node, Binary):
        left, right = evaluate(node.left, fields), evaluate(node.right, fields)
        if node.op in COMPARISONS:
            return compare(node.op, left, right)
        return arithmetic(node.op, left, right)
    return call(node, fields)


def call(node: Call, fields: dict[str, Any]) -> Value:
    if node.name == "AND":
        return all(truthy(evaluate(arg, fields)) for arg in node.args)
    if node.name == "OR":
        return any(truthy(evaluate(arg, fields)) for arg in node.args)
    if node.name == "IF":
        if truthy(evaluate(node.args[0], fields)):
            return evaluate(node.args[1], fields)
        return evaluate(node.args[2], fields) if len(node.args) > 2 else None
    implementation = FUNCTIONS[node.name][0]
    return implementation(*(evaluate(arg, fields) for arg in node.args))


def matches(node: Node, fields: dict[str, Any]) -> bool:
    """Whether a record passes the filter; a value that cannot be computed does not."""
    try:
        return truthy(evaluate(node, fields))
    except (EvaluationError, ArithmeticError, ValueError, TypeError, OverflowError):
        return False
