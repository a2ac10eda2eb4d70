"""gRPC face of the auth service: decode the request, call the domain, encode the reply."""

from __future__ import annotations

import json

from google.api import httpbody_pb2
from google.protobuf import timestamp_pb2
from tablemesh.auth.v1 import auth_service_pb2 as pb
from tablemesh.auth.v1 import auth_service_pb2_grpc as pb_grpc

from services.auth.apikeys import ApiKey
from services.auth.app import Auth
from services.auth.browser_session import SessionCookies
from services.auth.client_address import client_address
from services.auth.invitations import Invitation
from services.auth.session_methods import BEARER, SessionMethods, principal
from services.auth.tokens import validate
from services.runtime.identity import TokenVerifier, current_caller
from services.runtime.wire import Ctx, timestamp


def _api_key(key: ApiKey) -> pb.ApiKey:
    return pb.ApiKey(
        id=key.id,
        display_name=key.display_name,
        prefix=key.prefix,
        create_time=timestamp(key.created_at),
        expire_time=timestamp(key.expires_at),
        revoke_time=timestamp(key.revoked_at),
        last_use_time=timestamp(key.last_used_at),
    )


def _invitation(inv: Invitation) -> pb.Invitation:
    return pb.Invitation(
        id=inv.id,
        email=inv.email,
        role=inv.role,
        state=inv.state,
        create_time=timestamp(inv.created_at),
        expire_time=timestamp(inv.expires_at),
        inviter_id=inv.inviter_id,
    )


class AuthServicer(SessionMethods, pb_grpc.AuthServiceServicer):
    def __init__(
        self, auth: Auth, verifier: TokenVerifier, cookies: SessionCookies | None = None
    ) -> None:
        self.auth = auth
        self.verifier = verifier
        # Browser sessions (X-Tablemesh-Session: cookie): services/auth/browser_session.py.
        self.cookies = cookies or SessionCookies()

    async def GetMe(self, request: pb.GetMeRequest, context: Ctx) -> pb.GetMeResponse:
        return pb.GetMeResponse(principal=principal(current_caller()))

    async def ValidateToken(
        self, request: pb.ValidateTokenRequest, context: Ctx
    ) -> pb.ValidateTokenResponse:
        result = await validate(self.verifier, request.token)
        if isinstance(result, str):
            return pb.ValidateTokenResponse(valid=False, reason=result)
        expire = timestamp_pb2.Timestamp(seconds=result.expires_at)
        return pb.ValidateTokenResponse(
            valid=True, principal=principal(result), token_id=result.token_id, expire_time=expire
        )

    async def IssueServiceToken(
        self, request: pb.IssueServiceTokenRequest, context: Ctx
    ) -> pb.IssueServiceTokenResponse:
        token = await self.auth.service_auth.issue(
            request.service_name,
            request.service_secret,
            request.tenant_id,
            client_address(context),
            request.on_behalf_of_user_id,
        )
        return pb.IssueServiceTokenResponse(access_token=token.token, expires_in=token.expires_in)

    async def GetJwks(self, request: pb.GetJwksRequest, context: Ctx) -> httpbody_pb2.HttpBody:
        jwks = await self.auth.keys.jwks()
        return httpbody_pb2.HttpBody(
            content_type="application/json", data=json.dumps(jwks).encode()
        )

    async def CreateApiKey(
        self, request: pb.CreateApiKeyRequest, context: Ctx
    ) -> pb.CreateApiKeyResponse:
        key, secret = await self.auth.api_keys.create(
            current_caller(), request.display_name, request.ttl_days, request.request_id
        )
        return pb.CreateApiKeyResponse(api_key=_api_key(key), secret=secret)

    async def ListApiKeys(
        self, request: pb.ListApiKeysRequest, context: Ctx
    ) -> pb.ListApiKeysResponse:
        keys, token = await self.auth.api_keys.list_page(
            current_caller(), request.page_size, request.page_token
        )
        return pb.ListApiKeysResponse(api_keys=[_api_key(k) for k in keys], next_page_token=token)

    async def RevokeApiKey(
        self, request: pb.RevokeApiKeyRequest, context: Ctx
    ) -> pb.RevokeApiKeyResponse:
        key = await self.auth.api_keys.revoke(current_caller(), request.api_key_id)
        return pb.RevokeApiKeyResponse(api_key=_api_key(key))

    async def ExchangeApiKey(
        self, request: pb.ExchangeApiKeyRequest, context: Ctx
    ) -> pb.ExchangeApiKeyResponse:
        await self.auth.sign_in_rate.admit(client_address(context))
        s = await self.auth.api_keys.exchange(request.api_key)
        return pb.ExchangeApiKeyResponse(
            access_token=s.access.token, token_type=BEARER, expires_in=s.access.expires_in
        )

    async def CreateInvitation(
        self, request: pb.CreateInvitationRequest, context: Ctx
    ) -> pb.CreateInvitationResponse:
        inv, token = await self.auth.invitations.create(
            current_caller(), request.email, request.role, request.ttl_hours
        )
        return pb.CreateInvitationResponse(invitation=_invitation(inv), token=token)

    async def ListInvitations(
        self, request: pb.ListInvitationsRequest, context: Ctx
    ) -> pb.ListInvitationsResponse:
        found, token = await self.auth.invitations.list_page(
            current_caller(), request.page_size, request.page_token
        )
        return pb.ListInvitationsResponse(
            invitations=[_invitation(i) for i in found], next_page_token=token
        )

    async def RevokeInvitation(
        self, request: pb.RevokeInvitationRequest, context: Ctx
    ) -> pb.RevokeInvitationResponse:
        inv = await self.auth.invitations.revoke(current_caller(), request.invitation_id)
        return pb.RevokeInvitationResponse(invitation=_invitation(inv))
