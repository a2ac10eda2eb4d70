"""Envoy's own replies (401, 404, 400, 413, 429, 503...) in google.rpc.Status JSON shape.

Without this, Envoy answers text/plain; REST clients should see the same JSON shape for a
missing token as for an error a service returned through the transcoder.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]

# HTTP status of Envoy's own replies -> the google.rpc.Code a gRPC server would have sent.
LOCAL_REPLY_CODES = {
    400: 3,  # INVALID_ARGUMENT: malformed JSON, unknown query parameter
    401: 16,  # UNAUTHENTICATED: missing or invalid JWT
    403: 7,  # PERMISSION_DENIED
    404: 5,  # NOT_FOUND: no route, no such REST method
    408: 4,  # DEADLINE_EXCEEDED
    413: 8,  # RESOURCE_EXHAUSTED: body too big (as gRPC says for an oversized message)
    429: 8,  # RESOURCE_EXHAUSTED: rate limited
    431: 8,  # RESOURCE_EXHAUSTED: headers too big
    500: 13,  # INTERNAL
    501: 12,  # UNIMPLEMENTED
    502: 14,  # UNAVAILABLE
    503: 14,  # UNAVAILABLE: upstream down or overloaded
    504: 4,  # DEADLINE_EXCEEDED: upstream timeout
}
UNKNOWN = 2


def _status_body(code: int) -> Json:
    return {
        "json_format": {"code": code, "message": "%LOCAL_REPLY_BODY%", "details": []},
        "content_type": "application/json",
    }


def _status_filter(status: int) -> Json:
    value = {"default_value": status, "runtime_key": f"local_reply_{status}"}
    return {"status_code_filter": {"comparison": {"op": "EQ", "value": value}}}


def _header_filter(name: str, match: Json) -> Json:
    return {"header_filter": {"header": {"name": name, **match}}}


GRPC_REQUEST = _header_filter("content-type", {"string_match": {"prefix": "application/grpc"}})
NOT_TRANSCODED = _header_filter(
    "x-envoy-original-path", {"present_match": True, "invert_match": True}
)
PLAIN_TEXT = {"text_format_source": {"inline_string": "%LOCAL_REPLY_BODY%"}}


# jwt_authn answers a valid signature with the wrong `aud` 403; the token is not one
# for this API, which is 401 like any other token the gateway refuses.
WRONG_AUDIENCE: Json = {
    "extension_filter": {
        "name": "envoy.access_loggers.extension_filters.cel",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.access_loggers.filters.cel.v3"
            ".ExpressionFilter",
            "expression": "response.code == 403 && "
            "response.code_details.startsWith('jwt_authn_access_denied{Audiences')",
        },
    }
}


def local_reply_config() -> Json:
    native_grpc = [GRPC_REQUEST, NOT_TRANSCODED]
    wrong_audience = {"status_code": 401, "body": {"inline_string": "Jwt audience is not allowed"}}
    mappers: list[Json] = [
        {
            "filter": {"and_filter": {"filters": [WRONG_AUDIENCE, *native_grpc]}},
            **wrong_audience,
            "body_format_override": PLAIN_TEXT,
        },
        {
            "filter": WRONG_AUDIENCE,
            **wrong_audience,
            "body_format_override": _status_body(LOCAL_REPLY_CODES[401]),
        },
        {
            # A gRPC client reads a local reply from grpc-status/grpc-message, and Envoy puts
            # the formatted body into grpc-message: keep that plain text, not JSON. Requests
            # the transcoder made gRPC keep JSON: they carry the original REST path.
            "filter": {"and_filter": {"filters": native_grpc}},
            "body_format_override": PLAIN_TEXT,
        },
        {
            # 204 has no body by definition.
            "filter": _status_filter(204),
            "body_format_override": {"text_format_source": {"inline_string": ""}},
        },
    ]
    mappers += [
        {"filter": _status_filter(status), "body_format_override": _status_body(code)}
        for status, code in LOCAL_REPLY_CODES.items()
    ]
    return {"mappers": mappers, "body_format": _status_body(UNKNOWN)}
