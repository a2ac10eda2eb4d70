"""One OpenAPI operation per REST binding, following the transcoder's rules.

A binding's path variables set request fields; `body: "*"` takes every other field from
the JSON body, `body: "field"` takes that field from it and the rest from the query;
without a body every other field is a query parameter (a nested message's fields by
dotted name, repeated ones as repeated parameters). A body field that is a
google.api.HttpBody takes the raw request body, whatever its content type. A
server-streaming method answers its messages newline-delimited (one JSON object per
line), and a google.api.HttpBody response is sent as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from google.api import field_behavior_pb2, http_pb2
from google.protobuf import descriptor_pb2

from services.gateway.openapi_paths import Variable, variables
from services.gateway.openapi_schemas import (
    HTTP_BODY,
    SCALAR_WELL_KNOWN,
    STATUS,
    WELL_KNOWN,
    F,
    Schemas,
    behaviors,
)
from services.runtime.method_policy import Policy

Json = dict[str, Any]

# What the mesh answers when a call fails (Envoy maps the gRPC code to the HTTP status, and
# its own replies use the same shape). Every one carries a google.rpc.Status.
ERRORS: dict[int, str] = {
    400: "Invalid request (INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE).",
    401: "No valid access token, or wrong credentials (UNAUTHENTICATED).",
    403: "The caller may not do this (PERMISSION_DENIED).",
    404: "No such resource, or no such route (NOT_FOUND).",
    409: "Conflicts with what is stored (ALREADY_EXISTS, ABORTED).",
    413: "The request body is too large (RESOURCE_EXHAUSTED).",
    414: "The request URI is too long.",
    429: "Too many requests, or a quota is used up (RESOURCE_EXHAUSTED).",
    431: "The request headers are too large (RESOURCE_EXHAUSTED).",
    503: "A service or datastore is briefly unavailable: retry later (UNAVAILABLE).",
    504: "The call took too long (DEADLINE_EXCEEDED).",
}
BEARER = "bearerAuth"
# The media type of a request body the transcoder takes raw (a google.api.HttpBody field).
RAW_BODY = "application/octet-stream"
MAX_QUERY_DEPTH = 3


@dataclass(frozen=True)
class Rpc:
    """What the document needs of one exposed method."""

    service: str  # tablemesh.users.v1.UsersService
    name: str  # GetUser
    input: str  # full name of the request message
    output: str  # full name of the response message
    server_streaming: bool
    policy: Policy


def _field(
    schemas: Schemas, message: str, path: str
) -> tuple[descriptor_pb2.FieldDescriptorProto, str]:
    """The field a dotted path names, and the message that holds it."""
    head, _, rest = path.partition(".")
    found = next((f for f in schemas.messages[message].field if f.name == head), None)
    if found is None:
        raise KeyError(f"{message} has no field {head!r} (from the http rule's {path!r})")
    if rest:
        return _field(schemas, found.type_name.removeprefix("."), rest)
    return found, message


def _path_parameter(schemas: Schemas, rpc: Rpc, var: Variable, name: str) -> Json:
    f, owner = _field(schemas, rpc.input, var.field_path)
    kind = f.type_name.removeprefix(".")
    schema = dict(SCALAR_WELL_KNOWN.get(kind) or schemas.single(f))
    if var.single_segment and schema.get("type") == "string":
        schema["minLength"] = 1
    notes = [schemas.comments.get(f"{owner}.{f.name}", "")]
    if name != var.field_path:
        notes.append(f"Sets `{var.field_path}`.")
    if not var.single_segment:
        schema["pattern"] = var.regex
        notes.append(f"Spans segments: `{var.pattern}`.")
    parameter = {"name": name, "in": "path", "required": True, "schema": schema}
    text = " ".join(filter(None, notes))
    return {**parameter, "description": text} if text else parameter


def _query_fields(
    schemas: Schemas, message: str, bound: set[str], prefix: str = "", depth: int = 0
) -> Iterator[tuple[str, descriptor_pb2.FieldDescriptorProto, str]]:
    """(dotted name, field, owner) of every field the query string may set."""
    for f in schemas.messages[message].field:
        dotted = prefix + f.name
        if dotted in bound:
            continue
        kind = f.type_name.removeprefix(".")
        if f.type != F.TYPE_MESSAGE or kind in SCALAR_WELL_KNOWN:
            yield dotted, f, message
        elif kind not in WELL_KNOWN and f.label != F.LABEL_REPEATED and depth < MAX_QUERY_DEPTH:
            yield from _query_fields(schemas, kind, bound, f"{dotted}.", depth + 1)


def query_parameters(schemas: Schemas, rpc: Rpc, bound: set[str]) -> list[Json]:
    found = []
    for dotted, f, owner in _query_fields(schemas, rpc.input, bound):
        schema = schemas.field(f, owner)
        text = schema.pop("description", None)
        parameter: Json = {"name": dotted, "in": "query", "schema": schema}
        if f.label == F.LABEL_REPEATED:
            parameter.update(style="form", explode=True)
        found.append({**parameter, "description": text} if text else parameter)
    return found


def _request_body(schemas: Schemas, rpc: Rpc, body: str, path_fields: set[str]) -> Json | None:
    if not body:
        return None
    if body == "*":
        if rpc.input == HTTP_BODY:
            return {"content": {"*/*": {"schema": {}}}, "description": "The raw body."}
        schema = schemas.message(rpc.input, frozenset(path_fields))
        return {"content": {"application/json": {"schema": schema}}}
    f, _ = _field(schemas, rpc.input, body)
    if f.type_name.removeprefix(".") == HTTP_BODY:
        # The transcoder hands the raw body on as HttpBody chunks (a client stream: as it
        # arrives), so any bytes are the body, whatever their type.
        return {
            "content": {RAW_BODY: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The raw bytes, sent as they are (for example curl --data-binary).",
            "required": True,
        }
    inner = frozenset(p.removeprefix(f"{body}.") for p in path_fields if p.startswith(f"{body}."))
    if f.type == F.TYPE_MESSAGE and f.label != F.LABEL_REPEATED:
        schema = schemas.message(f.type_name.removeprefix("."), inner)
    else:
        schema = schemas.field(f, rpc.input)
    content = {"content": {"application/json": {"schema": schema}}}
    return {**content, "required": True} if field_behavior_pb2.REQUIRED in behaviors(f) else content


def _success(schemas: Schemas, rpc: Rpc, response_body: str) -> Json:
    if rpc.output == HTTP_BODY:
        return {
            "description": "The body as the method returns it, with its content type.",
            "content": {"*/*": {"schema": {}}},
        }
    if response_body:
        f, owner = _field(schemas, rpc.output, response_body)
        schema = schemas.field(f, owner)
    else:
        schema = schemas.message(rpc.output)
    if rpc.server_streaming:
        # The transcoder's stream_newline_delimited: no array around them, so a client
        # (a browser's stream reader) can use each line as soon as it arrives.
        text = (
            "A stream of messages, newline-delimited: one JSON object (the schema below) per"
            " line, each sent as it is produced. An error before the first message is a"
            " google.rpc.Status with its HTTP status."
        )
    else:
        text = "OK"
    return {"description": text, "content": {"application/json": {"schema": schema}}}


def operation(
    schemas: Schemas, rpc: Rpc, rule: http_pb2.HttpRule, template: str, names: list[str], index: int
) -> Json:
    """The operation of one binding; `names` are the path parameters' names in the
    document (the field paths, unless another binding of the same shape came first)."""
    path_vars = variables(template)
    path_fields = {v.field_path for v in path_vars}
    bound = path_fields | ({rule.body} if rule.body else set())
    parameters = [
        _path_parameter(schemas, rpc, v, n) for v, n in zip(path_vars, names, strict=True)
    ]
    if rule.body != "*":
        parameters += query_parameters(schemas, rpc, bound)
    short = rpc.service.rsplit(".", 1)[-1]
    op: Json = {
        "operationId": f"{short}_{rpc.name}" + (f"_{index + 1}" if index else ""),
        "tags": [short],
        "summary": rpc.name,
        "x-grpc-method": f"/{rpc.service}/{rpc.name}",
        "parameters": parameters,
        "responses": {
            "200": _success(schemas, rpc, rule.response_body),
            **{str(code): {"$ref": f"#/components/responses/{code}"} for code in ERRORS},
        },
        "security": [] if rpc.policy.public else [{BEARER: []}],
    }
    text = schemas.comments.get(f"{rpc.service}.{rpc.name}")
    if text:
        op["description"] = text
    body = _request_body(schemas, rpc, rule.body, path_fields)
    if body is not None:
        op["requestBody"] = body
    return op


def error_responses(schemas: Schemas) -> Json:
    """components.responses: one per HTTP status, each a google.rpc.Status."""
    status = schemas.message(STATUS)
    # The transcoder prints every Status field, an empty details list included.
    schemas.components[STATUS]["required"] = ["code", "message", "details"]
    return {
        str(code): {"description": text, "content": {"application/json": {"schema": status}}}
        for code, text in ERRORS.items()
    }
