"""The rendered gateway config: Envoy accepts it, and its derived pieces are right."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from services.gateway import envoy_config, routes, tracing
from services.gateway.clusters import build_clusters
from services.gateway.http_rules import load_methods
from services.runtime import registry
from services.runtime.config import check_peers, settings
from services.runtime.http_templates import template_regex
from tests.gateway.harness import envoy_binary
from tests.ports import offset


def test_envoy_validates_rendered_config(gateway_env: Path) -> None:
    config = envoy_config.render(gateway_env / "envoy" / "envoy.yaml")
    result = subprocess.run(
        [
            envoy_binary(),
            "--mode",
            "validate",
            "-c",
            str(config),
            "--base-id",
            str(offset("gateway")),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"port_value: {registry.gateway_port()}" in config.read_text()


def test_render_wants_a_yaml_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="yaml"):
        envoy_config.render(tmp_path / "envoy.json")


@pytest.mark.parametrize(
    ("template", "matches", "misses"),
    [
        ("/api/v1/users", ["/api/v1/users"], ["/api/v1/users/x", "/api/v1/usersx"]),
        ("/api/v1/users/{user_id}", ["/api/v1/users/u-1"], ["/api/v1/users/a/b", "/api/v1/users/"]),
        ("/api/v1/users:batchGet", ["/api/v1/users:batchGet"], ["/api/v1/usersXbatchGet"]),
        (
            "/api/v1/auth/invitations/{token}:accept",
            ["/api/v1/auth/invitations/abc.def:accept"],
            ["/api/v1/auth/invitations/a/b:accept", "/api/v1/auth/invitations/abc:revoke"],
        ),
        ("/api/v1/{name=files/*}/x", ["/api/v1/files/f1/x"], ["/api/v1/other/f1/x"]),
        ("/api/v1/{path=**}", ["/api/v1/a/b/c"], ["/api/v2/a"]),
    ],
)
def test_template_regex(template: str, matches: list[str], misses: list[str]) -> None:
    regex = re.compile(template_regex(template))
    for path in matches:
        assert regex.fullmatch(path), (template, path)
    for path in misses:
        assert not regex.fullmatch(path), (template, path)


def all_methods() -> list:
    """The API's methods (the console's catch-all has routes of its own: see below)."""
    return load_methods(registry.api_services())


def rule_for(rules: list[dict], path: str, verb: str) -> dict:
    """The first jwt_authn rule matching a request, as Envoy picks it."""
    for rule in rules:
        match = rule["match"]
        if "path" in match and match["path"] != path:
            continue
        if "prefix" in match and not path.startswith(match["prefix"]):
            continue
        if "safe_regex" in match and not re.fullmatch(match["safe_regex"]["regex"], path):
            continue
        if any(h["string_match"]["exact"] != verb for h in match.get("headers", [])):
            continue
        return rule
    return {}


def needs_token(rule: dict) -> bool:
    """Whether a jwt_authn rule refuses a request that carries no token."""
    requires = rule.get("requires")
    if requires is None:
        return False
    alternatives = requires.get("requires_any", {}).get("requirements", [requires])
    return not any("allow_missing" in r for r in alternatives)


def test_every_method_has_the_right_jwt_rule_in_both_forms() -> None:
    rules = routes.build_jwt_rules(all_methods())
    for m in all_methods():
        # Internal methods fall to the catch-all: checked only if a token is sent, then 404.
        wanted = not (m.policy.public or m.policy.internal)
        assert needs_token(rule_for(rules, m.path, "POST")) == wanted, m.path
        for b in m.bindings:
            path = re.sub(r"\{[^}]+\}", "x", b.template)
            assert needs_token(rule_for(rules, path, b.verb)) == wanted, (m.path, path)
    assert "requires" not in rule_for(rules, "/grpc.health.v1.Health/Check", "POST")


def test_only_protected_routes_get_a_trace_forcing_copy(gateway_env: Path) -> None:
    rendered = envoy_config.substitutions(settings())["routes"]
    assert isinstance(rendered, list)
    forcing = [r for r in rendered if "tracing" in r]
    assert forcing
    for i, route in enumerate(rendered):
        if "tracing" not in route:
            continue
        # Tried first, identical but for the headers it needs.
        original = rendered[i + 1]
        assert route["route"] == original["route"]
        assert route["match"]["headers"][-2:] == tracing.FORCING_HEADERS
        key = route["match"].get("path") or route["match"].get("safe_regex", {}).get("regex")
        assert key not in tracing.public_matches(all_methods()), key
    paths = {r["match"].get("path") for r in forcing}
    assert "/tablemesh.users.v1.UsersService/GetUser" in paths
    assert "/tablemesh.auth.v1.AuthService/Login" not in paths
    assert not any(r["match"].get("prefix", "").startswith("/grpc.") for r in forcing)


def test_the_listener_has_its_slow_client_and_overload_defences(gateway_env: Path) -> None:
    config = yaml.safe_load(envoy_config.render_text(settings()))
    listener = config["static_resources"]["listeners"][0]
    assert listener["address"]["socket_address"]["address"] == settings().gateway_host
    hcm = listener["filter_chains"][0]["filters"][0]["typed_config"]
    assert hcm["request_headers_timeout"] == envoy_config.REQUEST_HEADERS_TIMEOUT
    assert hcm["stream_idle_timeout"] and hcm["common_http_protocol_options"]["idle_timeout"]
    assert hcm["max_request_headers_kb"] == envoy_config.MAX_REQUEST_HEADERS_KB
    assert hcm["http2_protocol_options"]["max_concurrent_streams"] == 100
    assert hcm["tracing"]["client_sampling"] == {"value": 0}
    overload = config["overload_manager"]
    heap = next(m for m in overload["resource_monitors"] if m["name"].endswith("fixed_heap"))
    assert heap["typed_config"]["max_heap_size_bytes"] == settings().gateway_max_heap_mb << 20
    actions = {a["name"].rsplit(".", 1)[1] for a in overload["actions"]}
    assert {"shrink_heap", "stop_accepting_requests", "disable_http_keepalive"} <= actions


def test_a_long_running_stream_may_be_silent_as_long_as_a_long_call(gateway_env: Path) -> None:
    rendered = envoy_config.substitutions(settings())["routes"]
    assert isinstance(rendered, list)
    by_path = {r["match"].get("path"): r["route"] for r in rendered if "route" in r}
    chat = by_path["/tablemesh.llm.v1.LlmService/Chat"]
    stream = by_path["/tablemesh.llm.v1.LlmService/StreamChat"]
    # A local model's tool steps stream nothing for minutes.
    assert stream["timeout"] == "0s" and stream["idle_timeout"] == chat["timeout"]
    asset = by_path["/tablemesh.platform.v1.PlatformService/GetApiReferenceAsset"]
    assert asset["idle_timeout"] == routes.STREAM_IDLE_TIMEOUT


def test_an_upload_streams_past_the_body_limit_on_its_own_verb(gateway_env: Path) -> None:
    rendered = envoy_config.substitutions(settings())["routes"]
    assert isinstance(rendered, list)
    plain = [r for r in rendered if "route" in r and "tracing" not in r]
    upload = "/tablemesh.automation.v1.FilesService/UploadFile"
    grpc_route = next(r for r in plain if r["match"].get("path") == upload)
    # Only an idle timeout: a large file on a slow link takes as long as it takes.
    assert grpc_route["route"]["timeout"] == "0s"
    assert grpc_route["typed_per_filter_config"] == routes.NO_BUFFER
    files = template_regex("/api/v1/files")
    rest = [r for r in plain if r["match"].get("safe_regex", {}).get("regex") == files]
    # POST (the upload) is unbuffered and comes first; GET (the listing) keeps the limit.
    assert rest[0]["match"]["headers"] == [{"name": ":method", "string_match": {"exact": "POST"}}]
    assert rest[0]["typed_per_filter_config"] == routes.NO_BUFFER
    assert "typed_per_filter_config" not in rest[1] and "headers" not in rest[1]["match"]
    listing = next(r for r in plain if r["match"].get("path", "").endswith("/ListFiles"))
    assert listing["route"]["timeout"] == routes.TIMEOUT


def test_peers_add_each_hosts_replica_to_every_service_cluster(gateway_env: Path) -> None:
    peers = ["10.77.0.3", "mesh-c.internal", "fd00::3"]
    clusters = {c["name"]: c for c in build_clusters(None, peers=peers)}
    for spec in registry.SERVICES:
        cluster = clusters[spec.name]
        found = [
            e["endpoint"]["address"]["socket_address"]
            for e in cluster["load_assignment"]["endpoints"][0]["lb_endpoints"]
        ]
        assert [(a["address"], a["port_value"]) for a in found] == [
            ("127.0.0.1", spec.port),
            *((peer, spec.port) for peer in peers),
        ]
        # A host name among them: resolved by DNS, health-checked like the rest.
        assert cluster["type"] == "STRICT_DNS" and cluster["health_checks"]
    alone = {c["name"]: c for c in build_clusters(None)}
    assert alone["users"]["type"] == "STATIC"
    assert len(alone["users"]["load_assignment"]["endpoints"][0]["lb_endpoints"]) == 1


@pytest.mark.parametrize("bad", ["10.77.0.3:8010", "a b", "10.0.0.0/8"])
def test_a_peer_is_a_host_without_a_port(bad: str) -> None:
    with pytest.raises(ValueError, match="without a port"):
        check_peers([bad])
    assert check_peers([" 10.77.0.3 ", "[fd00::3]", ""]) == ["10.77.0.3", "fd00::3"]


def test_reads_hedge_onto_another_replica_and_every_call_is_bounded(gateway_env: Path) -> None:
    rendered = envoy_config.substitutions(settings())["routes"]
    assert isinstance(rendered, list)
    by_path = {r["match"].get("path"): r["route"] for r in rendered if "route" in r}
    read = by_path["/tablemesh.users.v1.UsersService/GetMe"]
    assert read["retry_policy"]["per_try_timeout"] == routes.PER_TRY_TIMEOUT
    assert read["hedge_policy"] == {"hedge_on_per_try_timeout": True}
    # An idempotent write is retried after a failure, never hedged (two copies at once).
    update = by_path["/tablemesh.users.v1.UsersService/UpdateUser"]
    assert update["retry_policy"] == routes.IDEMPOTENT_RETRY and "hedge_policy" not in update
    write = by_path["/tablemesh.users.v1.UsersService/CreateUser"]
    assert "retry_policy" not in write and "hedge_policy" not in write
    for route in (read, update, write):
        # Without its own value, max_stream_duration leaves a call with no deadline unbounded.
        assert route["max_stream_duration"]["max_stream_duration"] == routes.TIMEOUT
