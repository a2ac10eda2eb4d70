"""Signatures a receiver checks with the Standard Webhooks reference verifier."""

from __future__ import annotations

import base64
import os

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.runtime import clock
from services.webhooks import signing


def test_a_signed_body_verifies_with_the_reference_verifier() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    body = '{"id": "e1", "type": "record.created"}'
    headers = signing.headers([secret], "msg_1", clock.now(), body)
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(body, headers) == {"id": "e1", "type": "record.created"}


def test_a_changed_body_id_or_secret_does_not_verify() -> None:
    secret, body = signing.new_secret(), '{"a": 1}'
    headers = signing.headers([secret], "msg_1", clock.now(), body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify('{"a": 2}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, {**headers, "webhook-id": "msg_2"})
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)


def test_during_an_overlap_both_secrets_sign_space_separated() -> None:
    new, old, body = signing.new_secret(), signing.new_secret(), "{}"
    headers = signing.headers([new, old], "msg_1", clock.now(), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(body, headers)
    Webhook(old).verify(body, headers)


def test_secrets_are_sealed_per_endpoint() -> None:
    sealer, secret = signing.Sealer(os.urandom(32)), signing.new_secret()
    sealed = sealer.seal("endpoint-a", secret)
    assert secret.encode() not in sealed
    assert sealer.open("endpoint-a", sealed) == secret
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag
        sealer.open("endpoint-b", sealed)
