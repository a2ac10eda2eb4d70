"""Why a formula cannot be used: where, and what was expected there."""

from __future__ import annotations


class FormulaError(Exception):
    """A formula that does not parse, or names a field or function that does not exist."""

    def __init__(self, pos: int, expected: str, found: str) -> None:
        super().__init__(f"at position {pos}: expected {expected}, found {found}")
        self.pos = pos
        self.expected = expected
        self.found = found


class TooDeep(FormulaError):
    """A formula nested deeper than the parser and evaluator take."""

    def __init__(self, limit: int, what: str = "levels") -> None:
        Exception.__init__(self, f"nested more than {limit} {what}")
        self.pos = 0
        self.expected = f"at most {limit} {what}"
        self.found = "more"


class UnknownField(Exception):
    def __init__(self, name: str, pos: int) -> None:
        super().__init__(f"unknown field '{name}'")
        self.name = name
        self.pos = pos


class EvaluationError(Exception):
    """A value that cannot be computed (Airtable's #ERROR!): the record does not match."""
