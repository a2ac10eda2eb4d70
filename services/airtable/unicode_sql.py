"""Python's str.lower(), upper() and casefold() in SQL, from Python's own Unicode tables.

PostgreSQL's lower() follows the database's collation (ICU, libc, or ASCII only in "C"),
which need not be Python's. Here each character maps as Python maps it: one character
for one by translate(), one for several by replace(); ASCII-only text takes a short way.
lower() also turns a final capital sigma into ς as Python does (a cased letter before
it, none after it).
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable
from functools import cache

import sqlalchemy as sa

from services.airtable.sql_values import Sql, param

ASCII_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ASCII_LOWER = ASCII_UPPER.lower()
# Word_Break MidLetter, MidNumLet and Single_Quote: case-ignorable beside Mn, Me, Cf, Lm, Sk.
MID_LETTERS = (
    "'.:^`\u00ad\u00b7\u0387\u05f4\u2018\u2019\u2024\u2027\ufe13\ufe52\ufe55\uff07\uff0e\uff1a"
)


def _chars() -> list[str]:
    return [chr(i) for i in range(1, sys.maxunicode + 1) if not 0xD800 <= i < 0xE000]


@cache
def tables(name: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """(from, to) for translate() and (source, target) pairs for replace()."""
    convert: Callable[[str], str] = getattr(str, name)
    single: dict[str, str] = {}
    multi: list[tuple[str, str]] = []
    for char in _chars():
        if char == "\u03a3" and name == "lower":
            continue  # capital sigma: see final_sigma()
        out = convert(char)
        if out == char:
            continue
        if len(out) == 1:
            single[char] = out
        else:
            multi.append((char, out))
    return "".join(single), "".join(single.values()), tuple(multi)


def _class(chars: list[str]) -> str:
    codes = sorted(ord(c) for c in chars)
    parts: list[str] = []
    start = prev = codes[0]
    for code in [*codes[1:], -2]:
        if code == prev + 1:
            prev = code
            continue
        parts.append(chr(start) if start == prev else f"{chr(start)}-{chr(prev)}")
        start = prev = code
    escaped = "".join(p.replace("\\", "\\\\").replace("]", "\\]").replace("^", "\\^")
                      .replace("-", "\\-") if len(p) == 1 else p for p in parts)  # fmt: skip
    return "[" + escaped + "]"


@cache
def final_sigma_pattern() -> str:
    every = [chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i < 0xE000]
    cased = _class([c for c in every if c.islower() or c.isupper() or c.istitle()])
    kinds = ("Mn", "Me", "Cf", "Lm", "Sk")
    ignorable = _class([c for c in every if unicodedata.category(c) in kinds or c in MID_LETTERS])
    return f"(?<={cased}{ignorable}*)\u03a3(?!{ignorable}*{cased})"


def convert(text: Sql, name: str) -> Sql:
    """text.lower(), text.upper() or text.casefold() as Python computes it."""
    source, target, multi = tables(name)
    body = text
    if name == "lower":
        body = sa.func.regexp_replace(body, param(final_sigma_pattern(), sa.Text()), "\u03c2", "g")
    body = sa.func.translate(body, param(source, sa.Text()), param(target, sa.Text()))
    for old, new in multi:
        body = sa.func.replace(body, param(old, sa.Text()), param(new, sa.Text()))
    if name == "lower":
        body = sa.func.replace(body, "\u03a3", "\u03c3")
    fast = (ASCII_LOWER, ASCII_UPPER) if name == "upper" else (ASCII_UPPER, ASCII_LOWER)
    ascii_only = sa.func.translate(text, fast[0], fast[1])
    return sa.case(
        (sa.func.octet_length(text) == sa.func.char_length(text), ascii_only), else_=body
    )
