"""The console at the gateway's root: through a real Envoy to the real console servicer,
serving a small build. The app's routes fall back to index.html; the API's unknown paths
stay JSON 404s; cache and browser-policy headers arrive as HTTP headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx
import pytest
from tablemesh.console.v1 import console_service_pb2_grpc as console_grpc

from services.console.main import ConsoleServicer
from services.console.site import IMMUTABLE, BadPath, Site
from services.gateway.console_route import CONTENT_SECURITY_POLICY
from services.runtime import registry
from tests.gateway.conftest import Gateway
from tests.gateway.harness import assert_status, start_server

INDEX = b"<!doctype html><title>console</title><script type=module src=/assets/app-1a2b.js>"
SCRIPT = b"console.log('hi')\n" * 40_000  # over one chunk


@pytest.fixture(scope="module")
async def console(
    tmp_path_factory: pytest.TempPathFactory, gateway: Gateway
) -> AsyncIterator[ConsoleServicer]:
    root = tmp_path_factory.mktemp("dist")
    (root / "assets").mkdir()
    (root / "index.html").write_bytes(INDEX)
    (root / "assets" / "app-1a2b.js").write_bytes(SCRIPT)
    (root / "favicon.svg").write_bytes(b"<svg/>")
    servicer = ConsoleServicer(Site.load(root))
    server = await start_server(
        registry.spec("console").port,
        lambda s: console_grpc.add_ConsoleServiceServicer_to_server(servicer, s),
    )
    yield servicer
    await server.stop(None)


def assert_policy(reply: httpx.Response) -> None:
    assert reply.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/", "/index.html", "/bases/app1/tables", "/invite?token=a%2Bb"])
async def test_the_app_and_its_routes_get_index_html(
    http: httpx.AsyncClient, console: ConsoleServicer, path: str
) -> None:
    reply = await http.get(path)
    assert reply.status_code == 200, reply.text
    assert reply.content == INDEX
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert reply.headers["cache-control"] == "no-cache"
    assert_policy(reply)


async def test_hashed_assets_are_immutable_and_arrive_whole(
    http: httpx.AsyncClient, console: ConsoleServicer
) -> None:
    reply = await http.get("/assets/app-1a2b.js")
    assert reply.status_code == 200
    assert reply.content == SCRIPT
    assert reply.headers["content-type"] == "text/javascript"
    assert reply.headers["cache-control"] == IMMUTABLE
    assert_policy(reply)
    icon = await http.get("/favicon.svg")
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.headers["cache-control"] == "no-cache"


async def test_a_missing_file_is_a_json_404_without_paths(
    http: httpx.AsyncClient, console: ConsoleServicer
) -> None:
    for path in ("/assets/gone-123.js", "/robots.txt"):
        body = assert_status(await http.get(path), 404, 5)
        assert body["message"] == "the console has no such file"


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/users/u-1/nope", "/api", "/docs/a/b", "/docs/x.js/y"]
)
async def test_unknown_api_paths_stay_the_apis_404(
    http: httpx.AsyncClient, console: ConsoleServicer, path: str
) -> None:
    reply = await http.get(path)
    assert reply.content != INDEX
    assert_status(reply, 404, 5)


async def test_other_verbs_and_traversal_are_refused(
    http: httpx.AsyncClient, console: ConsoleServicer
) -> None:
    assert_status(await http.post("/", json={}), 404, 5)
    assert_status(await http.delete("/index.html"), 404, 5)
    # Envoy resolves dot segments (encoded ones too) before routing: what is left is a
    # path inside the console (here an app route, so index.html), never a file outside it.
    for path in (
        "/assets/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "/a/..%5c..%5cx.txt",
    ):
        reply = await http.get(path)
        assert reply.content == INDEX or reply.status_code in (400, 404), reply.text
        assert "root:" not in reply.text and "/tmp" not in reply.text


async def test_native_grpc_to_an_unknown_method_is_still_unimplemented(
    gateway: Gateway, console: ConsoleServicer
) -> None:
    async with grpc.aio.insecure_channel(gateway.grpc_target) as channel:
        call = channel.unary_unary("/tablemesh.nope.v1.Nope/Get", lambda b: b, lambda b: b)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call(b"", timeout=5)
        assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_site_load_is_empty_without_a_build(tmp_path: Path) -> None:
    site = Site.load(tmp_path / "missing")
    assert not site.built
    page = site.lookup("")
    assert page is not None and b"make console" in page.data
    assert site.lookup("assets/app.js") is None


@pytest.mark.parametrize("path", ["../secret", "assets/../../x", "a\\b.js", "./index.html", "a\0"])
def test_site_refuses_paths_that_could_leave_it(path: str) -> None:
    with pytest.raises(BadPath):
        Site({}).lookup(path)


async def test_an_unbuilt_console_says_how_to_build_it(
    http: httpx.AsyncClient, console: ConsoleServicer, tmp_path: Path
) -> None:
    built, console.site = console.site, Site.load(tmp_path / "no-dist")
    try:
        page = await http.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "make console" in page.text and str(tmp_path) not in page.text
        assert_policy(page)
        assert_status(await http.get("/assets/app-1a2b.js"), 404, 5)
    finally:
        console.site = built
