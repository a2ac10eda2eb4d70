"""The path-id check on its own: templates from the descriptors, matching, the error."""

from __future__ import annotations

import pytest
from tablemesh.auth.v1 import auth_service_pb2 as auth_pb
from tablemesh.users.v1 import users_service_pb2 as users_pb

from services.runtime.errors import InvalidArgument
from services.runtime.path_ids import check, compile_template, templates_of

UPDATE_USER = "/tablemesh.users.v1.UsersService/UpdateUser"
REVOKE = "/tablemesh.auth.v1.AuthService/RevokeInvitation"


def test_templates_come_from_the_http_rules() -> None:
    (template,) = templates_of(UPDATE_USER)
    assert template.fields == ("user.id",)
    assert templates_of("/tablemesh.auth.v1.AuthService/Login") == []
    assert templates_of("/no.such.Service/Method") == []


def test_a_custom_verb_and_a_multi_segment_variable() -> None:
    accept = compile_template("/api/v1/auth/invitations/{token}:accept")
    match = accept.pattern.match("/api/v1/auth/invitations/tmi_a:b:accept")
    assert match is not None and match.groups() == ("tmi_a:b",)
    wide = compile_template("/v1/{name=files/**}/x")
    match = wide.pattern.match("/v1/files/a/b/x")
    assert match is not None and match.groups() == ("files/a/b",)


def test_equal_ids_pass_and_a_different_one_is_named() -> None:
    templates = templates_of(UPDATE_USER)
    request = users_pb.UpdateUserRequest(user=users_pb.User(id="a-1", bio="x"))
    check(templates, "/api/v1/users/a-1?update_mask=bio", request)
    with pytest.raises(InvalidArgument) as err:
        check(templates, "/api/v1/users/b-2", request)
    assert err.value.violations == [
        (
            "user.id",
            "the request names 'a-1' but the path names 'b-2'; leave it out of the body "
            "and query or make them equal",
        )
    ]


def test_percent_encoding_and_long_values() -> None:
    templates = templates_of(REVOKE)
    check(
        templates,
        "/api/v1/auth/invitations/a%20b:revoke",
        auth_pb.RevokeInvitationRequest(invitation_id="a b"),
    )
    with pytest.raises(InvalidArgument) as err:
        check(
            templates,
            "/api/v1/auth/invitations/short:revoke",
            auth_pb.RevokeInvitationRequest(invitation_id="x" * 500),
        )
    assert "x" * 81 not in err.value.message and "..." in err.value.message


def test_a_path_that_matches_no_template_is_left_alone() -> None:
    request = users_pb.UpdateUserRequest(user=users_pb.User(id="a-1"))
    check(templates_of(UPDATE_USER), "/somewhere/else", request)
