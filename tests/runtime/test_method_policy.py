"""Method policies come from the protos: what each one says, and the safe defaults."""

from __future__ import annotations

from google.protobuf import descriptor_pb2
from tablemesh.api.v1 import method_policy_pb2 as policy_pb

from services.gateway.public_api import public_descriptor_set, public_pool
from services.runtime import descriptors, method_policy, registry
from services.runtime.clients import idempotent_methods

AUTH = "/tablemesh.auth.v1.AuthService/"


def test_declared_policies_are_read_from_the_generated_modules() -> None:
    descriptors.load_all()
    login = method_policy.of(AUTH + "Login")
    assert login.public and login.sign_in_limited and not login.token_required
    issue = method_policy.of(AUTH + "IssueServiceToken")
    assert issue.internal and issue.tokenless and not issue.token_required
    chat = method_policy.of("/tablemesh.llm.v1.LlmService/Chat")
    assert chat.long_running and chat.token_required and not chat.internal
    assert method_policy.of("/tablemesh.users.v1.UsersService/GetUser").retryable
    assert not method_policy.of("/tablemesh.users.v1.UsersService/CreateUser").retryable


def test_an_unknown_or_undeclared_method_is_internal_and_needs_a_token() -> None:
    unknown = method_policy.of("/tablemesh.nosuch.v1.NoService/Do")
    assert unknown.internal and unknown.token_required and not unknown.retryable
    assert not registry.is_public("/tablemesh.nosuch.v1.NoService/Do")
    undeclared = method_policy.from_options(descriptor_pb2.MethodOptions())
    assert undeclared.visibility == policy_pb.VISIBILITY_INTERNAL


def test_health_and_reflection_need_no_token() -> None:
    assert registry.is_public("/grpc.health.v1.Health/Check")
    assert registry.is_public("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")


def test_clients_retry_only_what_the_protos_call_idempotent() -> None:
    descriptors.load_all()
    retried = set(idempotent_methods("tablemesh.workspaces.v1.WorkspacesService"))
    assert {"GetWorkspace", "ListWorkspaces", "DeleteWorkspace"} <= retried
    assert not {"CreateWorkspace", "AddMember", "LinkBase"} & retried


def test_the_public_view_drops_internal_methods_only() -> None:
    files = {f.name: f for f in public_descriptor_set().file}
    auth = files["tablemesh/auth/v1/auth_service.proto"].service[0]
    names = {m.name for m in auth.method}
    assert "Login" in names and not {"IssueServiceToken", "ValidateToken"} & names
    pool = public_pool()
    users = pool.FindServiceByName("tablemesh.users.v1.UsersService")
    assert "PurgeUser" not in users.methods_by_name and "GetUser" in users.methods_by_name
    perms = pool.FindServiceByName("tablemesh.permissions.v1.PermissionsService").methods_by_name
    assert "SetResourceParent" not in perms and "LookupResources" in perms
    assert method_policy.of(
        "/tablemesh.permissions.v1.PermissionsService/SetResourceParent"
    ).internal
    assert "Check" in pool.FindServiceByName("grpc.health.v1.Health").methods_by_name
