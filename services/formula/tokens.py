"""The formula tokenizer: text to a list of tokens, each with its 1-based position."""

from __future__ import annotations

from dataclasses import dataclass

from services.formula.errors import FormulaError

# Longest first, so "<=" wins over "<".
OPERATORS = ("!=", "<>", "<=", ">=", "=", "<", ">", "&", "+", "-", "*", "/", "(", ")", ",")


@dataclass(frozen=True)
class Token:
    # NUMBER, STRING, FIELD ({Field Name}), NAME (bare word), OP, or END.
    kind: str
    text: str
    pos: int
    value: object = None


def _string(text: str, start: int) -> tuple[str, int]:
    """A quoted string starting at `start`; returns its value and the index after it."""
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append({"n": "\n", "t": "\t"}.get(text[i + 1], text[i + 1]))
            i += 2
        elif char == quote:
            return "".join(out), i + 1
        else:
            out.append(char)
            i += 1
    raise FormulaError(start + 1, "a closing " + quote, "the end of the formula")


def _number(text: str, start: int) -> tuple[float | int, int]:
    i = start
    while i < len(text) and (text[i].isdigit() or text[i] == "."):
        i += 1
    raw = text[start:i]
    try:
        value: float | int = int(raw) if raw.isdigit() else float(raw)
    except ValueError:
        raise FormulaError(start + 1, "a number", repr(raw)) from None
    return value, i


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "'\"":
            value, end = _string(text, i)
            tokens.append(Token("STRING", text[i:end], i + 1, value))
            i = end
        elif char.isdigit() or (char == "." and text[i + 1 : i + 2].isdigit()):
            number, end = _number(text, i)
            tokens.append(Token("NUMBER", text[i:end], i + 1, number))
            i = end
        elif char == "{":
            end = text.find("}", i)
            if end < 0:
                raise FormulaError(i + 1, "a closing }", "the end of the formula")
            name = text[i + 1 : end].strip()
            if not name:
                raise FormulaError(i + 1, "a field name inside {}", "{}")
            tokens.append(Token("FIELD", text[i : end + 1], i + 1, name))
            i = end + 1
        elif char.isalpha() or char == "_":
            end = i
            while end < len(text) and (text[end].isalnum() or text[end] == "_"):
                end += 1
            tokens.append(Token("NAME", text[i:end], i + 1, text[i:end]))
            i = end
        else:
            op = next((o for o in OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise FormulaError(i + 1, "an operator, a value or a field", repr(char))
            tokens.append(Token("OP", "!=" if op == "<>" else op, i + 1))
            i += len(op)
    tokens.append(Token("END", "", len(text) + 1))
    return tokens
