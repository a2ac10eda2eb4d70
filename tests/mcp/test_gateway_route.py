"""The gateway config's /mcp pieces: a streaming route to the MCP HTTP port, ahead of the
catch-all, past the transcoder and the body buffer, with a token required and CORS on."""

from __future__ import annotations

from services.gateway.envoy_config import substitutions
from services.runtime import registry
from services.runtime.config import Settings


def test_mcp_route_cluster_and_jwt_rule() -> None:
    values = substitutions(Settings())
    routes = values["routes"]
    assert isinstance(routes, list)
    mcp = [r for r in routes if r["match"].get("path_separated_prefix") == "/mcp"]
    assert len(mcp) == 2  # and its trace-forcing copy (services/gateway/tracing.py), first
    assert mcp[0]["tracing"] and mcp[1]["route"] == mcp[0]["route"]
    mcp = mcp[1:]
    assert routes.index(mcp[0]) < len(routes) - 1  # before the catch-all 404
    action = mcp[0]["route"]
    assert (action["cluster"], action["timeout"]) == ("mcp_http", "0s")
    assert action["idle_timeout"]
    filters = mcp[0]["typed_per_filter_config"]
    assert filters["envoy.filters.http.grpc_json_transcoder"]["disabled"] is True
    assert filters["envoy.filters.http.buffer"]["disabled"] is True
    assert "mcp-protocol-version" in filters["envoy.filters.http.cors"]["allow_headers"]

    clusters = {c["name"]: c for c in values["clusters"]}  # type: ignore[attr-defined]
    endpoint = clusters["mcp_http"]["load_assignment"]["endpoints"][0]["lb_endpoints"][0]
    port = endpoint["endpoint"]["address"]["socket_address"]["port_value"]
    assert port == registry.mcp_http_port()
    assert "typed_extension_protocol_options" not in clusters["mcp_http"]  # HTTP/1.1

    rules = values["jwt_authn"]["rules"]  # type: ignore[index]
    mcp_rules = [r for r in rules if r["match"].get("path_separated_prefix") == "/mcp"]
    assert mcp_rules == [
        {"match": {"path_separated_prefix": "/mcp"}, "requires": {"provider_name": "tablemesh"}}
    ]
