"""The mesh's REST API as an OpenAPI 3.1 document, built from the descriptor set Envoy loads.

Only what the gateway serves is in it: the services its transcoder is given, without their
internal methods (public_api), each REST binding one operation. The platform service
serves it at GET /api/v1/openapi.json; `python -m services.gateway.openapi` prints it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pb2

from services.gateway.http_rules import DESCRIPTOR_SET
from services.gateway.openapi_comments import comments
from services.gateway.openapi_operations import BEARER, Rpc, error_responses, operation
from services.gateway.openapi_paths import openapi_path, parameter_name, shape, variables
from services.gateway.openapi_schemas import Schemas
from services.gateway.public_api import without_internal
from services.runtime import method_policy, registry
from services.runtime.interceptors import VERSION

Json = dict[str, Any]

DESCRIPTION = """\
The REST form of the tablemesh gRPC API, as Envoy's gRPC-JSON transcoder serves it.

- Field names are the proto names (`first_name`); requests may also use lowerCamelCase.
- 64-bit integers are strings, enums are their value names, bytes are base64, a Timestamp
  is an RFC 3339 string, a Duration a string such as `"1.5s"`.
- Every error is a `google.rpc.Status` JSON object: `code` (the gRPC code), `message` and
  `details`.
- Methods without a security requirement are public; the others need an access token
  (`Authorization: Bearer <JWT>`) from `POST /api/v1/auth/login`.
- The same methods are served over native gRPC on the same port (grpcurl with reflection).
"""


def _bindings(rule: http_pb2.HttpRule) -> list[tuple[http_pb2.HttpRule, str, str]]:
    """(rule, verb, template) of a rule and its additional bindings."""
    found = []
    kind = rule.WhichOneof("pattern")
    if kind == "custom":
        found.append((rule, rule.custom.kind.lower(), rule.custom.path))
    elif kind is not None:
        found.append((rule, kind, getattr(rule, kind)))
    for extra in rule.additional_bindings:
        found.extend(_bindings(extra))
    return found


def _rpcs(files: list[descriptor_pb2.FileDescriptorProto], services: list[str]) -> list[Rpc]:
    """Every method the transcoder serves, with its rule, in contract order."""
    found = []
    for file in files:
        for svc in file.service:
            full = f"{file.package}.{svc.name}"
            if full not in services:
                continue
            for m in svc.method:
                found.append(
                    Rpc(
                        full,
                        m.name,
                        m.input_type.removeprefix("."),
                        m.output_type.removeprefix("."),
                        m.server_streaming,
                        method_policy.from_options(m.options),
                    )
                )
    return found


def _rules(files: list[descriptor_pb2.FileDescriptorProto]) -> dict[str, http_pb2.HttpRule]:
    return {
        f"{file.package}.{svc.name}.{m.name}": m.options.Extensions[annotations_pb2.http]
        for file in files
        for svc in file.service
        for m in svc.method
    }


def build(path: Path = DESCRIPTOR_SET, services: list[str] | None = None) -> Json:
    """The document for the descriptor set at `path` and the gRPC services the gateway
    transcodes (by default every service of the API; the console's files are not the API)."""
    files = list(descriptor_pb2.FileDescriptorSet.FromString(path.read_bytes()).file)
    notes = comments(files)  # before the internal methods go: they shift the source paths
    without_internal(files)
    if services is None:
        services = registry.api_services()
    schemas = Schemas.of(files, notes)
    rules = _rules(files)
    paths: dict[str, Json] = {}
    names_of_shape: dict[str, list[str]] = {}
    tags: dict[str, Json] = {}
    for rpc in _rpcs(files, services):
        for index, (rule, verb, template) in enumerate(
            _bindings(rules[f"{rpc.service}.{rpc.name}"])
        ):
            names = names_of_shape.setdefault(
                shape(template), [parameter_name(v.field_path) for v in variables(template)]
            )
            item = paths.setdefault(openapi_path(template, names), {})
            item[verb] = operation(schemas, rpc, rule, template, names, index)
            short = rpc.service.rsplit(".", 1)[-1]
            tags.setdefault(short, {"name": short, "description": notes.get(rpc.service, "")})
    responses = error_responses(schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "tablemesh API", "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "tags": list(tags.values()),
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "responses": responses,
            "securitySchemes": {
                BEARER: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


@cache
def document_bytes() -> bytes:
    """The document as served: built once per process."""
    return json.dumps(build(), indent=1).encode()


if __name__ == "__main__":
    print(document_bytes().decode())
