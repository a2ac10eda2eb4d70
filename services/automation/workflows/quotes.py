"""Quoting an execution's data in a step's settings: {{trigger.fields.Name}}.

A string that is one whole quote takes the quoted value with its type (a number stays a
number, a list a list); a quote inside longer text is written into it as text. A path
that leads nowhere is an error naming it, so a step never writes a silent blank.
"""

from __future__ import annotations

import json
import re
from typing import Any

QUOTE = re.compile(r"\{\{\s*([A-Za-z0-9_. -]+?)\s*\}\}")


class QuoteError(ValueError):
    pass


def lookup(data: Any, path: str) -> Any:
    value = data
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise QuoteError(f"{{{{{path}}}}} names nothing in the execution's data")
    return value


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def fill(value: Any, data: dict[str, Any]) -> Any:
    """`value` with every quote replaced, recursively through lists and objects."""
    if isinstance(value, str):
        whole = QUOTE.fullmatch(value.strip())
        if whole:
            return lookup(data, whole.group(1))
        return QUOTE.sub(lambda q: _as_text(lookup(data, q.group(1))), value)
    if isinstance(value, list):
        return [fill(v, data) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, data) for k, v in value.items()}
    return value
