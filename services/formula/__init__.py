"""Airtable's formula language (a parsed subset), evaluated in Python. Shared by the
airtable service (filter_by_formula) and automation (workflow conditions and triggers).
The airtable service's local backend compiles the parsed formula to SQL
(services/airtable/formula_sql.py); this evaluator is the reference it is tested against.

`compile_formula(text, fields)` checks the formula against the table's fields (name ->
Airtable type) and returns a `Formula`; a bad formula raises FormulaError (where, and what
was expected), a field the table does not have raises UnknownField.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.formula.errors import EvaluationError, FormulaError, UnknownField
from services.formula.evaluate import evaluate, matches
from services.formula.parser import Node, parse

__all__ = ["EvaluationError", "Formula", "FormulaError", "UnknownField", "compile_formula"]


@dataclass(frozen=True)
class Formula:
    text: str
    ast: Node

    def matches(self, fields: dict[str, Any]) -> bool:
        return matches(self.ast, fields)

    def evaluate(self, fields: dict[str, Any]) -> Any:
        return evaluate(self.ast, fields)


def compile_formula(text: str, fields: Mapping[str, str]) -> Formula:
    return Formula(text, parse(text, fields))
