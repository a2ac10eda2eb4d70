"""The auth service over gRPC, with the real users service beside it (offset 300 ports)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from tablemesh.auth.v1 import auth_service_pb2 as pb
from tablemesh.auth.v1.auth_service_pb2_grpc import AuthServiceStub
from tablemesh.users.v1 import users_service_pb2 as users_pb
from tablemesh.users.v1.users_service_pb2_grpc import UsersServiceStub

from services.runtime import registry
from services.runtime.secret_keys import service_auth_key
from tests.auth.conftest import new_email
from tests.auth.mesh import running_mesh

PASSWORD = "correct horse"


@pytest.fixture(scope="module")
async def channels(
    database_url: str, redis_url: str
) -> AsyncIterator[tuple[AuthServiceStub, UsersServiceStub]]:
    async with running_mesh(database_url, redis_url):
        auth_channel = grpc.aio.insecure_channel(registry.spec("auth").address)
        users_channel = grpc.aio.insecure_channel(registry.spec("users").address)
        yield AuthServiceStub(auth_channel), UsersServiceStub(users_channel)
        await auth_channel.close(None)
        await users_channel.close(None)


@pytest.fixture
def auth(channels: tuple[AuthServiceStub, UsersServiceStub]) -> AuthServiceStub:
    return channels[0]


@pytest.fixture
def users(channels: tuple[AuthServiceStub, UsersServiceStub]) -> UsersServiceStub:
    return channels[1]


def bearer(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


async def register(auth: AuthServiceStub, email: str | None = None) -> pb.RegisterResponse:
    request = pb.RegisterRequest(
        email=email or new_email(), password=PASSWORD, first_name="Ada", last_name="Lovelace"
    )
    return await auth.Register(request, timeout=10)


async def test_register_creates_the_profile_in_users(
    auth: AuthServiceStub, users: UsersServiceStub
) -> None:
    reply = await register(auth)
    assert reply.token_type == "Bearer" and reply.expires_in > 0 and reply.refresh_token
    me = await auth.GetMe(pb.GetMeRequest(), metadata=bearer(reply.access_token))
    assert me.principal == reply.principal and me.principal.role == "admin"
    profile = (await users.GetMe(users_pb.GetMeRequest(), metadata=bearer(reply.access_token))).user
    assert (profile.id, profile.tenant_id, profile.role) == (
        reply.principal.user_id,
        reply.principal.tenant_id,
        "admin",
    )
    assert profile.email == reply.principal.email and profile.first_name == "Ada"


async def test_register_errors_carry_details(auth: AuthServiceStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await auth.Register(pb.RegisterRequest(email="bad", password="short"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(err.value)  # type: ignore[arg-type]
    assert status is not None
    bad = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad)
    fields = [v.field for v in bad.field_violations]
    assert fields == ["email", "password", "first_name", "last_name"]

    email = new_email()
    await register(auth, email)
    with pytest.raises(grpc.aio.AioRpcError) as taken:
        await register(auth, email)
    assert taken.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert taken.value.details() == "email is already registered"


async def test_a_stray_profile_with_the_email_does_not_block_the_account(
    auth: AuthServiceStub, users: UsersServiceStub
) -> None:
    """Auth decides whether an email is free; a profile users holds with that email (made
    by another service, not by a registration) does not refuse the account's own."""
    email = new_email()
    secret = service_auth_key()
    tenant = str(uuid.uuid4())
    service = await auth.IssueServiceToken(
        pb.IssueServiceTokenRequest(service_name="test", service_secret=secret, tenant_id=tenant)
    )
    stray = users_pb.User(email=email, first_name="Stray", last_name="Profile", role="member")
    await users.CreateUser(
        users_pb.CreateUserRequest(user=stray), metadata=bearer(service.access_token)
    )
    made = await register(auth, email)
    await auth.Login(pb.LoginRequest(email=email, password=PASSWORD))  # the profile is there
    profile = await users.GetUser(
        users_pb.GetUserRequest(user_id=made.principal.user_id), metadata=bearer(made.access_token)
    )
    assert profile.user.id == made.principal.user_id


async def test_login_records_and_respects_deactivation(
    auth: AuthServiceStub, users: UsersServiceStub
) -> None:
    admin = await register(auth)
    email = new_email()
    invitation = await auth.CreateInvitation(
        pb.CreateInvitationRequest(email=email, role="member"), metadata=bearer(admin.access_token)
    )
    member = await auth.AcceptInvitation(
        pb.AcceptInvitationRequest(
            token=invitation.token, password=PASSWORD, first_name="Grace", last_name="Hopper"
        )
    )
    assert member.principal.tenant_id == admin.principal.tenant_id
    login = await auth.Login(pb.LoginRequest(email=email, password=PASSWORD))
    profile = (await users.GetMe(users_pb.GetMeRequest(), metadata=bearer(login.access_token))).user
    assert profile.HasField("last_login_time") and profile.role == "member"

    await users.UpdateUser(
        users_pb.UpdateUserRequest(
            user=users_pb.User(id=member.principal.user_id, is_active=False),
            update_mask=field_mask_pb2.FieldMask(paths=["is_active"]),
        ),
        metadata=bearer(admin.access_token),
    )
    for call in (
        auth.Login(pb.LoginRequest(email=email, password=PASSWORD)),
        auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=login.refresh_token)),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert err.value.details() == "account is disabled"


async def test_failed_logins_are_throttled(auth: AuthServiceStub) -> None:
    email = (await register(auth)).principal.email
    codes = []
    for password in ("wrong one", "wrong two", "wrong three", PASSWORD):
        try:
            await auth.Login(pb.LoginRequest(email=email, password=password))
            codes.append(grpc.StatusCode.OK)
        except grpc.aio.AioRpcError as err:
            codes.append(err.code())
    assert codes == [grpc.StatusCode.UNAUTHENTICATED] * 3 + [grpc.StatusCode.RESOURCE_EXHAUSTED]


async def test_logout_revokes_access_and_refresh(auth: AuthServiceStub) -> None:
    session = await register(auth)
    refreshed = await auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=session.refresh_token))
    await auth.Logout(
        pb.LogoutRequest(refresh_token=refreshed.refresh_token),
        metadata=bearer(refreshed.access_token),
    )
    for call in (
        auth.GetMe(pb.GetMeRequest(), metadata=bearer(refreshed.access_token)),
        auth.RefreshToken(pb.RefreshTokenRequest(refresh_token=refreshed.refresh_token)),
        auth.GetMe(pb.GetMeRequest()),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    check = await auth.ValidateToken(
        pb.ValidateTokenRequest(token=refreshed.access_token), metadata=bearer(session.access_token)
    )
    assert not check.valid and "revoked" in check.reason


async def test_jwks_and_validate(auth: AuthServiceStub) -> None:
    body = await auth.GetJwks(pb.GetJwksRequest())
    assert body.content_type == "application/json"
    keys = json.loads(body.data)["keys"]
    assert keys and all({"kid", "alg", "use"} <= set(k) and k["use"] == "sig" for k in keys)
    session = await register(auth)
    check = await auth.ValidateToken(
        pb.ValidateTokenRequest(token=session.access_token), metadata=bearer(session.access_token)
    )
    assert check.valid and check.principal == session.principal and check.token_id


async def test_api_keys_over_grpc(auth: AuthServiceStub) -> None:
    session = await register(auth)
    token = bearer(session.access_token)
    created = await auth.CreateApiKey(
        pb.CreateApiKeyRequest(display_name="ci", request_id="r1"), metadata=token
    )
    retry = await auth.CreateApiKey(
        pb.CreateApiKeyRequest(display_name="ci", request_id="r1"), metadata=token
    )
    assert retry.api_key.id == created.api_key.id and retry.secret == ""
    exchanged = await auth.ExchangeApiKey(pb.ExchangeApiKeyRequest(api_key=created.secret))
    me = await auth.GetMe(pb.GetMeRequest(), metadata=bearer(exchanged.access_token))
    assert me.principal.user_id == session.principal.user_id
    listed = await auth.ListApiKeys(pb.ListApiKeysRequest(), metadata=token)
    assert [k.id for k in listed.api_keys] == [created.api_key.id]
    revoked = await auth.RevokeApiKey(
        pb.RevokeApiKeyRequest(api_key_id=created.api_key.id), metadata=token
    )
    assert revoked.api_key.HasField("revoke_time")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await auth.ExchangeApiKey(pb.ExchangeApiKeyRequest(api_key=created.secret))
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_service_token_needs_the_secret(auth: AuthServiceStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await auth.IssueServiceToken(
            pb.IssueServiceTokenRequest(
                service_name="saga", service_secret="x" * 32, tenant_id=str(uuid.uuid4())
            )
        )
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


def forwarded(address: str) -> tuple[tuple[str, str]]:
    """A direct caller may name any address; each test's own keeps its bucket its own."""
    return (("x-forwarded-for", address),)


async def test_wrong_service_secrets_are_throttled_per_address(auth: AuthServiceStub) -> None:
    address = f"198.51.100.{uuid.uuid4().int % 250}, 203.0.113.{uuid.uuid4().int % 250}"
    name = f"throttle-{uuid.uuid4().hex[:8]}"
    tenant = str(uuid.uuid4())

    async def issue(secret: str, via: str = address, service: str = name) -> grpc.StatusCode:
        request = pb.IssueServiceTokenRequest(
            service_name=service, service_secret=secret, tenant_id=tenant
        )
        try:
            await auth.IssueServiceToken(request, metadata=forwarded(via))
        except grpc.aio.AioRpcError as err:
            if err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                assert str(err.details()).startswith("too many failed service token requests")
            return err.code()
        return grpc.StatusCode.OK

    codes = [await issue("wrong-" + "x" * 40) for _ in range(4)]
    assert codes == [grpc.StatusCode.PERMISSION_DENIED] * 3 + [grpc.StatusCode.RESOURCE_EXHAUSTED]
    # The right key from the same address is refused too while the window lasts...
    assert await issue(service_auth_key()) == grpc.StatusCode.RESOURCE_EXHAUSTED
    # ...but the address counted is the last one, which Envoy appends: the first is the
    # client's own claim, and another address with the same claim is not throttled.
    other = address.split(",")[0] + ", 192.0.2.77"
    assert await issue(service_auth_key(), via=other, service="saga") == grpc.StatusCode.OK


async def test_service_token_failures_are_logged_without_the_secret(
    auth: AuthServiceStub, capsys: pytest.CaptureFixture[str]
) -> None:
    presented = "not-the-key-" + uuid.uuid4().hex
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await auth.IssueServiceToken(
            pb.IssueServiceTokenRequest(
                service_name="saga", service_secret=presented, tenant_id=str(uuid.uuid4())
            ),
            metadata=forwarded(f"192.0.2.{uuid.uuid4().int % 250}"),
        )
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    out = capsys.readouterr()
    logged = out.out + out.err
    assert "refused a service token: wrong service secret" in logged
    assert presented not in logged
