"""The OpenAPI document and the API reference, served through Envoy to anyone."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from services.gateway.openapi import build
from services.platform.api_reference import package_static
from tests.e2e.mesh import Mesh


def test_the_document_is_public_json(mesh: Mesh) -> None:
    reply = mesh.http.get("/api/v1/openapi.json")  # no token
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/json"
    served = reply.json()
    assert served == build()  # what this checkout's descriptor set says
    validate(served)
    assert "/api/v1/openapi.json" in served["paths"] and "/docs" in served["paths"]


def test_the_reference_page_and_every_file_it_loads(mesh: Mesh) -> None:
    page = mesh.http.get("/docs")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="(/docs/[^"]+)"', page.text)
    assert len(assets) == 5, page.text
    for asset in assets:
        reply = mesh.http.get(asset)
        assert reply.status_code == 200, (asset, reply.text[:200])
        assert reply.content, asset
    script = mesh.http.get("/docs/swagger-ui-bundle.js")
    # Larger than the gateway buffers at once: streamed in chunks, arriving whole.
    assert script.headers["content-type"] == "text/javascript"
    assert script.content == (package_static() / "swagger-ui-bundle.js").read_bytes()
    assert len(script.content) > 1_000_000
    assert "/api/v1/openapi.json" in mesh.http.get("/docs/start.js").text


def test_an_unknown_reference_file_is_a_json_404(mesh: Mesh) -> None:
    reply = mesh.http.get("/docs/..%2F..%2Fetc%2Fpasswd")
    assert reply.status_code == 404
    reply = mesh.http.get("/docs/swagger-ui.js.map")
    assert reply.status_code == 404
    assert reply.json() == {
        "code": 5,
        "message": "the API reference has no such file",
        "details": [],
    }
