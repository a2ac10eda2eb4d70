"""The OpenAPI document: valid 3.1, and true to the transcoder's rules for every route."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf import descriptor_pb2
from openapi_spec_validator import validate

from services.gateway.http_rules import DESCRIPTOR_SET, exposed, load_methods
from services.gateway.openapi import build
from services.gateway.openapi_comments import comments
from services.gateway.openapi_operations import Rpc, query_parameters
from services.gateway.openapi_paths import Variable, openapi_path, shape, variables
from services.gateway.openapi_schemas import Schemas
from services.runtime import registry

Json = dict[str, Any]
SERVICES = registry.api_services()
POLICY = {m.path: m.policy for m in load_methods(SERVICES)}
POLICY_OF_ANY = next(iter(POLICY.values()))


@pytest.fixture(scope="module")
def doc() -> Json:
    return build()


def operations(doc: Json) -> dict[str, tuple[str, str, Json]]:
    """operationId -> (verb, path, operation)."""
    found = {}
    for path, item in doc["paths"].items():
        for verb, op in item.items():
            found[op["operationId"]] = (verb, path, op)
    return found


def op_of(doc: Json, operation_id: str) -> Json:
    return operations(doc)[operation_id][2]


def params(op: Json, where: str) -> dict[str, Json]:
    return {p["name"]: p for p in op["parameters"] if p["in"] == where}


def resolve(doc: Json, schema: Json) -> Json:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def body_schema(doc: Json, op: Json) -> Json:
    return resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])


def test_the_document_is_valid_openapi_3_1(doc: Json) -> None:
    assert doc["openapi"] == "3.1.0"
    validate(doc)


def test_every_exposed_rest_binding_is_an_operation(doc: Json) -> None:
    served = {
        (verb, shape(path)): op["x-grpc-method"] for verb, path, op in operations(doc).values()
    }
    expected = {
        (b.verb.lower(), shape(b.template)): m.path
        for m in exposed(load_methods(SERVICES))
        for b in m.bindings
    }
    assert served == expected


def test_the_console_is_not_the_api(doc: Json) -> None:
    """The console's files (GET /{path=**} at the gateway's root) are not documented: the
    document is the API, and the fuzzer must not take every path for a route."""
    documented = {op["x-grpc-method"] for _, _, op in operations(doc).values()}
    console = registry.spec("console").grpc_services
    assert not {path for path in documented if path.split("/")[1] in console}
    assert all(path.startswith(("/api/v1/", "/docs")) for path in doc["paths"])


def test_no_internal_method_is_in_it(doc: Json) -> None:
    documented = {op["x-grpc-method"] for _, _, op in operations(doc).values()}
    internal = [m.path for m in load_methods(SERVICES) if m.policy.internal]
    assert "/tablemesh.auth.v1.AuthService/IssueServiceToken" in internal
    assert "/tablemesh.notifications.v1.NotificationsService/Send" in internal
    assert not documented & set(internal)
    assert all(not POLICY[path].internal for path in documented)


def test_path_variables_andquery_parameters_follow_the_rule(doc: Json) -> None:
    get_user = op_of(doc, "UsersService_GetUser")
    assert params(get_user, "path")["user_id"]["required"] is True
    assert params(get_user, "query") == {}
    listing = params(op_of(doc, "UsersService_ListUsers"), "query")
    assert set(listing) == {"page_size", "page_token", "role", "is_active", "search", "order_by"}
    assert listing["page_size"]["schema"]["type"] == "integer"
    assert listing["is_active"]["schema"]["type"] == "boolean"
    ids = params(op_of(doc, "UsersService_BatchGetUsers"), "query")["user_ids"]
    assert ids["schema"]["type"] == "array" and ids["explode"] is True


def test_a_nested_path_field_and_a_named_body(doc: Json) -> None:
    # PATCH /api/v1/users/{user.id} body "user": same OpenAPI path as GET /users/{user_id}.
    verb, path, update = operations(doc)["UsersService_UpdateUser"]
    assert (verb, path) == ("patch", "/api/v1/users/{user_id}")
    assert "`user.id`" in params(update, "path")["user_id"]["description"]
    assert set(params(update, "query")) == {"update_mask"}  # the field outside path and body
    body = body_schema(doc, update)
    assert "id" not in body["properties"] and "email" in body["properties"]
    assert body["properties"]["tenant_id"]["readOnly"] is True
    create = op_of(doc, "UsersService_CreateUser")
    assert create["requestBody"]["required"] is True  # `user` is REQUIRED
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/tablemesh.users.v1.User"
    }


def test_a_star_body_holds_every_field_but_the_path_ones(doc: Json) -> None:
    add = op_of(doc, "WorkspacesService_AddMember")
    assert set(params(add, "path")) == {"workspace_id"} and params(add, "query") == {}
    body = body_schema(doc, add)
    assert "workspace_id" not in body["properties"] and "user_id" in body["properties"]
    assert body["additionalProperties"] is False
    login = body_schema(doc, op_of(doc, "AuthService_Login"))
    assert set(login["required"]) >= {"email", "password"}


def test_a_dotted_field_path_is_an_underscored_parameter(doc: Json) -> None:
    update = op_of(doc, "NotificationsService_UpdateTemplate")
    name = params(update, "path")["template_name"]
    assert "Sets `template.name`." in name["description"]
    assert "name" not in body_schema(doc, update)["properties"]


def test_a_verb_suffix_stays_literal(doc: Json) -> None:
    verb, path, _ = operations(doc)["AuthService_RevokeInvitation"]
    assert (verb, path) == ("post", "/api/v1/auth/invitations/{invitation_id}:revoke")


def test_json_forms_of_the_types(doc: Json) -> None:
    usage = doc["components"]["schemas"]["tablemesh.llm.v1.Usage"]["properties"]
    assert usage["prompt_tokens"]["type"] == "string"  # int64
    assert usage["prompt_tokens"]["format"] == "int64"
    wkt = doc["components"]["schemas"]
    assert wkt["google.protobuf.Timestamp"] == {"type": "string", "format": "date-time"}
    assert wkt["google.protobuf.Struct"]["type"] == "object"
    assert wkt["google.protobuf.FieldMask"]["type"] == "string"
    assert wkt["google.protobuf.Any"]["required"] == ["@type"]


def test_every_error_is_a_google_rpc_status(doc: Json) -> None:
    status = doc["components"]["schemas"]["google.rpc.Status"]
    assert status["required"] == ["code", "message", "details"]
    assert status["properties"]["code"]["type"] == "integer"
    assert status["properties"]["details"]["items"] == {
        "$ref": "#/components/schemas/google.protobuf.Any"
    }
    for code, response in doc["components"]["responses"].items():
        assert int(code) >= 400
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/google.rpc.Status"}
    for _, _, op in operations(doc).values():
        errors = {code: r for code, r in op["responses"].items() if code != "200"}
        assert {"400", "401", "403", "404", "409", "429", "503"} <= set(errors)
        assert all(r["$ref"] == f"#/components/responses/{c}" for c, r in errors.items())


def test_streams_are_one_message_a_line_and_http_bodies_raw(doc: Json) -> None:
    ok = op_of(doc, "LlmService_StreamChat")["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/tablemesh.llm.v1.StreamChatResponse"
    }
    assert "newline-delimited" in ok["description"]
    jwks = op_of(doc, "AuthService_GetJwks")["responses"]["200"]["content"]
    assert list(jwks) == ["*/*"]


def test_an_http_body_field_is_the_raw_request_body(doc: Json) -> None:
    upload = op_of(doc, "FilesService_UploadFile")
    assert upload["requestBody"]["content"] == {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
    }
    assert upload["requestBody"]["required"] is True
    # The name and the idempotency key are query parameters; the HttpBody is not.
    assert set(params(upload, "query")) == {"name", "request_id"}
    content = op_of(doc, "FilesService_GetFileContent")["responses"]["200"]["content"]
    assert list(content) == ["*/*"]


def test_public_methods_need_no_token_and_the_rest_a_bearer_jwt(doc: Json) -> None:
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for _, _, op in operations(doc).values():
        public = POLICY[op["x-grpc-method"]].public
        assert op["security"] == ([] if public else [{"bearerAuth": []}]), op["operationId"]
    for operation_id in ("AuthService_Login", "PlatformService_GetOpenApiDocument"):
        assert op_of(doc, operation_id)["security"] == []


def test_proto_comments_are_the_descriptions(doc: Json) -> None:
    assert op_of(doc, "UsersService_GetUser")["description"] == (
        "GetUser returns one user of the caller's tenant."
    )
    user = doc["components"]["schemas"]["tablemesh.users.v1.User"]
    assert (
        user["properties"]["email"]["description"] == "The email address, unique across the mesh."
    )
    assert all("description" in op for _, _, op in operations(doc).values())
    assert not any("buf:lint" in op["description"] for _, _, op in operations(doc).values())


def test_enums_are_their_value_names() -> None:
    files = list(descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR_SET.read_bytes()).file)
    schemas = Schemas.of(files, comments(files))
    schemas.enum("tablemesh.api.v1.Visibility")
    visibility = schemas.components["tablemesh.api.v1.Visibility"]
    assert visibility["type"] == "string"
    assert visibility["enum"][:2] == ["VISIBILITY_UNSPECIFIED", "VISIBILITY_PUBLIC"]
    assert "- `VISIBILITY_PUBLIC`: Anyone may call it" in visibility["description"]


def test_path_templates() -> None:
    assert variables("/api/v1/users/{user.id}") == [Variable("user.id", "*")]
    files = variables("/v1/{name=files/*/versions/**}:download")[0]
    assert not files.single_segment
    assert files.regex == "^files/[^/]+/versions/.*$"
    assert openapi_path("/v1/{name=files/*}:download") == "/v1/{name}:download"
    assert openapi_path("/v1/templates/{template.name}") == "/v1/templates/{template_name}"
    assert openapi_path("/v1/{a.b}/x/{c}", ["p", "q"]) == "/v1/{p}/x/{q}"
    assert shape("/api/v1/users/{user.id}") == shape("/api/v1/users/{user_id}")


def test_without_a_body_nested_fields_are_dottedquery_parameters() -> None:
    # UpdateUserRequest as if bound to GET with no body: its message field `user` becomes
    # `user.<field>` parameters; a Timestamp is one string; a Struct cannot be a parameter.
    files = list(descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR_SET.read_bytes()).file)
    schemas = Schemas.of(files, comments(files))
    rpc = Rpc("s", "m", "tablemesh.users.v1.UpdateUserRequest", "x", False, POLICY_OF_ANY)
    found = {p["name"]: p for p in query_parameters(schemas, rpc, bound={"user.id"})}
    assert {"user.email", "user.is_active", "user.create_time", "update_mask"} <= set(found)
    assert "user.id" not in found and "user.preferences" not in found and "user" not in found
    assert found["user.is_active"]["schema"]["type"] == "boolean"
    assert found["user.create_time"]["schema"] == {
        "$ref": "#/components/schemas/google.protobuf.Timestamp",
        "readOnly": True,
    }
