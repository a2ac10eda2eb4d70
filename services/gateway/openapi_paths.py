"""google.api.http path templates as OpenAPI paths.

A template's variable names a field path (`{user.id}`) and may span several segments
(`{name=files/*}`); a trailing `:verb` is literal. OpenAPI has one-segment parameters
only, so a multi-segment variable becomes one parameter whose value holds the slashes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.runtime.http_templates import template_regex

_VARIABLE = re.compile(r"\{([^}=]+)(?:=([^}]*))?\}")


@dataclass(frozen=True)
class Variable:
    """One variable of a path template."""

    field_path: str  # the request field it sets, e.g. "user.id"
    pattern: str  # its segments pattern, "*" for one segment

    @property
    def single_segment(self) -> bool:
        return self.pattern == "*"

    @property
    def regex(self) -> str:
        """What the variable's value must match (a full match)."""
        return f"^{template_regex(self.pattern)}$"


def variables(template: str) -> list[Variable]:
    return [Variable(m.group(1), m.group(2) or "*") for m in _VARIABLE.finditer(template)]


def parameter_name(field_path: str) -> str:
    """A path parameter's name for a field path: `user.id` -> `user_id`. Tools expand OpenAPI
    paths with Python's str.format, which reads a dot as an attribute."""
    return field_path.replace(".", "_")


def openapi_path(template: str, names: list[str] | None = None) -> str:
    """The OpenAPI path of a template: each variable as `{name}`, by default named after
    its field path (`/api/v1/users/{user.id}` -> `/api/v1/users/{user_id}`)."""
    found = iter(names) if names is not None else None

    def name(m: re.Match[str]) -> str:
        return "{" + (next(found) if found is not None else parameter_name(m.group(1))) + "}"

    return _VARIABLE.sub(name, template)


def shape(template: str) -> str:
    """Templates with the same shape are the same OpenAPI path (OpenAPI forbids two paths
    that differ only in their parameters' names)."""
    return _VARIABLE.sub("{}", template)
