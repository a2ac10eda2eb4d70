"""The SSRF guard: what it refuses, what the allow-list lets through, and that a
delivery goes to the address checked, follows no redirect and reads a capped answer."""

from __future__ import annotations

import ipaddress

import pytest

from services.runtime.errors import InvalidArgument
from services.webhooks import destinations
from services.webhooks import model as m
from services.webhooks.checks import check_endpoint
from services.webhooks.destinations import Refused, check, forbidden, parse_allowed
from services.webhooks.sender import Sender
from tests.webhooks.receiver import Receiver, receiving

NOTHING = parse_allowed([])


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("10.0.0.1", "private"),
        ("192.168.1.5", "private"),
        ("172.16.0.1", "private"),
        ("100.64.0.1", "shared"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
    ],
)
def test_addresses_webhooks_may_not_reach(address: str, why: str) -> None:
    assert why in (forbidden(ipaddress.ip_address(address)) or "")


def test_public_addresses_are_fine() -> None:
    assert forbidden(ipaddress.ip_address("93.184.216.34")) is None
    assert forbidden(ipaddress.ip_address("2606:4700::1111")) is None


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://169.254.169.254/latest/meta-data", "cloud metadata"),
        ("http://10.0.0.1/hook", "private address"),
        ("http://[::1]:8080/hook", "loopback"),
        ("http://localhost:9000/hook", "localhost (127.0.0.1) is a loopback address"),
        ("ftp://example.com/hook", "must start with http:// or https://"),
        ("http:///nohost", "must name a host"),
        ("https://user:pw@example.com/", "user name or password"),
        ("http://example.com:99999/", "not a valid URL"),
        ("http://exa mple.com/", "spaces"),
    ],
)
async def test_refused_urls_say_why(url: str, said: str) -> None:
    with pytest.raises(Refused) as refused:
        await check(url, NOTHING)
    assert said in str(refused.value)


async def test_the_allow_list_lets_named_destinations_through() -> None:
    target = await check("http://localhost:9000/x?y=1", parse_allowed(["127.0.0.1:9000"]))
    assert str(target.ip) == "127.0.0.1" and target.path == "/x?y=1"
    assert target.address_url == "http://127.0.0.1:9000/x?y=1"
    assert target.host_header == "localhost:9000"
    await check("http://10.1.2.3/", parse_allowed(["10.1.0.0/16"]))
    with pytest.raises(Refused):  # another port of the same host is not allowed
        await check("http://127.0.0.1:9001/", parse_allowed(["127.0.0.1:9000"]))


async def test_only_listed_destinations_when_the_operator_says_so() -> None:
    only = parse_allowed(["127.0.0.1:9000"], only=True)
    with pytest.raises(Refused, match="not among the destinations"):
        await check("http://93.184.216.34/", only)


def test_bad_allow_list_entries_are_named() -> None:
    with pytest.raises(ValueError, match="neither a CIDR nor host:port"):
        parse_allowed(["not an address"])


async def test_a_redirect_to_loopback_is_a_failed_attempt_never_followed() -> None:
    with receiving(Receiver(script=[200])) as inner, receiving() as outer:
        outer.script = [302]
        outer.headers = {302: {"location": inner.url}}
        sender = Sender(parse_allowed([f"127.0.0.1:{outer.port}"]), 5.0, 16)
        try:
            outcome = await sender.send(outer.url, {"webhook-id": "msg_1"}, "{}")
        finally:
            await sender.close()
    assert outcome.status == 302 and not outcome.ok
    assert "redirect" in outcome.error
    assert len(outer.received) == 1 and inner.received == []
    assert outcome.body == "answer 302 xxxxx"  # at most 16 bytes read


async def test_a_delivery_refused_at_send_time_reaches_nobody() -> None:
    with receiving() as receiver:
        sender = Sender(NOTHING, 5.0, 16)
        try:
            outcome = await sender.send(receiver.url, {}, "{}")
        finally:
            await sender.close()
    assert outcome.status == 0 and "loopback" in outcome.error
    assert receiver.received == []


async def test_the_connection_goes_to_the_checked_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name that resolves to an allowed address at the check is called at that address,
    not resolved again (DNS rebinding)."""
    with receiving() as receiver:
        calls: list[str] = []
        real = destinations.resolve

        async def once_then_elsewhere(host: str, port: int) -> list[destinations.IP]:
            calls.append(host)
            if len(calls) > 1:
                return [ipaddress.ip_address("169.254.169.254")]
            return await real("127.0.0.1", port)

        monkeypatch.setattr(destinations, "resolve", once_then_elsewhere)
        sender = Sender(parse_allowed([f"127.0.0.1:{receiver.port}"]), 5.0, 64)
        try:
            outcome = await sender.send(f"http://hooks.example:{receiver.port}/in", {}, "{}")
        finally:
            await sender.close()
    assert outcome.ok, outcome
    assert calls == ["hooks.example"]
    assert receiver.received[0].headers["host"] == f"hooks.example:{receiver.port}"


async def test_a_name_without_an_address_is_registered_and_its_delivery_fails() -> None:
    """Its DNS may come later; a name resolving to loopback is refused at registration."""
    url = "https://hooks.tablemesh.invalid/in"  # .invalid never resolves (RFC 2606)
    endpoint = m.Endpoint(id="", tenant_id="", url=url, event_types=["record.created"])
    await check_endpoint(endpoint, NOTHING, "endpoint")  # accepted
    with pytest.raises(InvalidArgument, match="loopback"):
        await check_endpoint(
            m.Endpoint(
                id="", tenant_id="", url="http://localhost:9/", event_types=["record.created"]
            ),
            NOTHING,
            "endpoint",
        )
    sender = Sender(NOTHING, 5.0, 16)
    try:
        outcome = await sender.send(url, {}, "{}")
    finally:
        await sender.close()
    assert outcome.status == 0 and "could not be resolved" in outcome.error
