"""Path ids win: a REST call whose body (or query) names another id than its path is refused.

Envoy's transcoder fills the request from the path first and then from the body and the
query string, so `PATCH /api/v1/users/A` with `{"id": "B"}` reaches the service as a
request for B. The transcoder forwards the path it was called with as
x-envoy-original-path; the mesh interceptor matches it against the method's
google.api.http template and refuses, with INVALID_ARGUMENT naming the field, any call whose message
holds another value than the path does. Calls that did not come through the transcoder
(native gRPC) have no path and nothing to compare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pool
from google.protobuf.message import Message

from services.runtime.errors import InvalidArgument
from services.runtime.http_templates import VARIABLE, template_regex, variables

ORIGINAL_PATH = "x-envoy-original-path"
# Values shown in the message are cut to this length.
SHOWN = 80


@dataclass(frozen=True)
class Template:
    pattern: re.Pattern[str]
    fields: tuple[str, ...]


def compile_template(path: str) -> Template:
    """'/api/v1/users/{user.id}' -> a regex with one group per variable, and the fields."""
    return Template(re.compile(f"^{template_regex(path, capture=True)}$"), variables(path))


def _rules(rule: http_pb2.HttpRule) -> list[http_pb2.HttpRule]:
    return [rule, *rule.additional_bindings]


def templates_of(full_method: str) -> list[Template]:
    """The path templates with variables of a method ('/pkg.Service/Method'), if any."""
    service_name, _, method_name = full_method.lstrip("/").partition("/")
    try:
        service = descriptor_pool.Default().FindServiceByName(service_name)
    except KeyError:
        return []
    method = service.methods_by_name.get(method_name)
    if method is None:
        return []
    found = []
    for rule in _rules(method.GetOptions().Extensions[annotations_pb2.http]):
        verb = rule.WhichOneof("pattern")
        path = rule.custom.path if verb == "custom" else getattr(rule, verb or "get", "")
        if verb and VARIABLE.search(path):
            found.append(compile_template(path))
    return found


def _value(message: Message, field_path: str) -> str:
    value: Any = message
    for name in field_path.split("."):
        value = getattr(value, name)
    return str(value)


def _shown(value: str) -> str:
    return value if len(value) <= SHOWN else value[:SHOWN] + "..."


def check(templates: list[Template], original_path: str, request: Message) -> None:
    """Raises InvalidArgument when the request names other ids than the path."""
    path = original_path.partition("?")[0]
    for template in templates:
        match = template.pattern.match(path)
        if match is None:
            continue
        violations = []
        for field, raw in zip(template.fields, match.groups(), strict=True):
            in_path, in_message = unquote(raw), _value(request, field)
            if in_message != in_path:
                violations.append(
                    (
                        field,
                        f"the request names {_shown(in_message)!r} but the path names "
                        f"{_shown(in_path)!r}; leave it out of the body and query or make "
                        "them equal",
                    )
                )
        if violations:
            raise InvalidArgument(
                "; ".join(f"{f}: {d}" for f, d in violations),
                reason="PATH_MISMATCH",
                violations=violations,
            )
        return
