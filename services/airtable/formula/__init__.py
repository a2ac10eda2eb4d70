"""A parsed subset of Airtable's formula language, evaluated in Python; never SQL.

`compile_formula(text, fields)` checks the formula against the table's fields (name ->
Airtable type) and returns a `Formula`; a bad formula raises FormulaError (where, and what
was expected), a field the table does not have raises UnknownField.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.airtable.formula.errors import EvaluationError, FormulaError, UnknownField
from services.airtable.formula.evaluate import evaluate, matches
from services.airtable.formula.parser import Node, parse

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
