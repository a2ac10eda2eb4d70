"""Recursive-descent parser: tokens to an AST, checking fields and functions as it goes.

Grammar (lowest precedence first):
    comparison := concat (("=" | "!=" | "<" | ">" | "<=" | ">=") concat)*
    concat     := additive ("&" additive)*
    additive   := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := "-" unary | primary
    primary    := NUMBER | STRING | {Field} | NAME "(" args ")" | TRUE | FALSE | NAME
                | "(" comparison ")"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.formula.errors import FormulaError, TooDeep, UnknownField
from services.formula.functions import arity
from services.formula.tokens import Token, tokenize


@dataclass(frozen=True)
class Literal:
    value: object


@dataclass(frozen=True)
class FieldRef:
    name: str
    # The field's Airtable type: how its stored value reads (dates, checkboxes).
    type: str


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Literal | FieldRef | Unary | Binary | Call

COMPARISONS = ("=", "!=", "<", ">", "<=", ">=")
# Most parentheses, function calls and signs inside one another.
MAX_NESTING = 32
# Most operations inside one another in the parsed formula (chains of operators included).
MAX_TREE_DEPTH = 100


def _describe(token: Token) -> str:
    return "the end of the formula" if token.kind == "END" else repr(token.text)


class Parser:
    def __init__(self, text: str, fields: Mapping[str, str]) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.fields = fields
        # How many parentheses, calls and signs the parser is inside (each costs Python
        # stack while parsing and evaluating).
        self.level = 0

    def enter(self) -> None:
        self.level += 1
        if self.level > MAX_NESTING:
            raise TooDeep(MAX_NESTING)

    def leave(self) -> None:
        self.level -= 1

    @property
    def token(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def accept(self, *ops: str) -> str | None:
        if self.token.kind == "OP" and self.token.text in ops:
            return self.advance().text
        return None

    def expect(self, op: str, what: str) -> None:
        if self.accept(op) is None:
            raise FormulaError(self.token.pos, what, _describe(self.token))

    def parse(self) -> Node:
        if self.token.kind == "END":
            raise FormulaError(1, "an expression", "an empty formula")
        node = self.comparison()
        if self.token.kind != "END":
            raise FormulaError(
                self.token.pos, "an operator or the end of the formula", _describe(self.token)
            )
        return node

    def _binary(self, ops: tuple[str, ...], operand: str) -> Node:
        parse_operand = getattr(self, operand)
        node: Node = parse_operand()
        while (op := self.accept(*ops)) is not None:
            node = Binary(op, node, parse_operand())
        return node

    def comparison(self) -> Node:
        return self._binary(COMPARISONS, "concat")

    def concat(self) -> Node:
        return self._binary(("&",), "additive")

    def additive(self) -> Node:
        return self._binary(("+", "-"), "term")

    def term(self) -> Node:
        return self._binary(("*", "/"), "unary")

    def unary(self) -> Node:
        if self.accept("-") is not None:
            self.enter()
            node = Unary("-", self.unary())
            self.leave()
            return node
        return self.primary()

    def field(self, name: str, pos: int) -> FieldRef:
        if name not in self.fields:
            raise UnknownField(name, pos)
        return FieldRef(name, self.fields[name])

    def primary(self) -> Node:
        token = self.token
        if token.kind in ("NUMBER", "STRING"):
            self.advance()
            return Literal(token.value)
        if token.kind == "FIELD":
            self.advance()
            return self.field(str(token.value), token.pos)
        if token.kind == "NAME":
            self.advance()
            if self.token.kind == "OP" and self.token.text == "(":
                return self.call(token)
            if token.text.upper() in ("TRUE", "FALSE"):
                return Literal(token.text.upper() == "TRUE")
            return self.field(token.text, token.pos)
        if self.accept("(") is not None:
            self.enter()
            node = self.comparison()
            self.expect(")", "')'")
            self.leave()
            return node
        raise FormulaError(token.pos, "a value, a field or a function", _describe(token))

    def call(self, name_token: Token) -> Call:
        name = name_token.text.upper()
        bounds = arity(name)
        if bounds is None:
            raise FormulaError(name_token.pos, "a known function", f"{name_token.text}()")
        self.expect("(", "'('")
        self.enter()
        args: list[Node] = []
        if self.accept(")") is None:
            args.append(self.comparison())
            while self.accept(",") is not None:
                args.append(self.comparison())
            self.expect(")", "',' or ')'")
        self.leave()
        fewest, most = bounds
        if len(args) < fewest or (most is not None and len(args) > most):
            count = str(fewest) if fewest == most else f"{fewest} or more"
            if most is not None and most != fewest:
                count = f"{fewest} to {most}"
            raise FormulaError(name_token.pos, f"{count} arguments to {name}", str(len(args)))
        return Call(name, tuple(args))


def _depth(node: Node) -> int:
    """How deep the tree goes, without recursion (a chain `1+1+...` is as deep as long)."""
    deepest, todo = 0, [(node, 1)]
    while todo:
        current, depth = todo.pop()
        deepest = max(deepest, depth)
        if isinstance(current, Unary):
            todo.append((current.operand, depth + 1))
        elif isinstance(current, Binary):
            todo += [(current.left, depth + 1), (current.right, depth + 1)]
        elif isinstance(current, Call):
            todo += [(arg, depth + 1) for arg in current.args]
    return deepest


def parse(text: str, fields: Mapping[str, str]) -> Node:
    """The AST of `text`; `fields` maps the table's field names to their types."""
    node = Parser(text, fields).parse()
    # Evaluation recurses along the tree: a long chain of operators is refused like a
    # deep nest of parentheses.
    if _depth(node) > MAX_TREE_DEPTH:
        raise TooDeep(MAX_TREE_DEPTH, "operations inside one another")
    return node
