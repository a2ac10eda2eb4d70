"""The API as a document and an interactive reference: what the platform serves at
GET /api/v1/openapi.json and /docs (through the gateway's transcoder, as google.api.HttpBody).

The reference page is Swagger UI from the swagger-ui-py package (its static files only).
Everything is read or built once, when the service starts.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from services.gateway.openapi import document_bytes
from services.runtime.static_files import Asset, content_type

DOCUMENT_URL = "/api/v1/openapi.json"
PAGE = """\
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>tablemesh API reference</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/start.js"></script>
</body>
</html>
"""
START = f"""\
window.onload = function () {{
  window.ui = SwaggerUIBundle({{
    url: "{DOCUMENT_URL}",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  }});
}};
"""
# The files of the package the page uses.
PACKAGE_FILES = (
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
)


def package_static() -> Path:
    # Located without importing the package: its __init__ pulls in web-framework glue.
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is missing: run `make install`")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


@dataclass(frozen=True)
class ApiReference:
    """The document, the page and the page's files, ready to serve."""

    document: bytes
    page: bytes
    assets: dict[str, Asset]

    @classmethod
    def load(cls) -> ApiReference:
        static = package_static()
        assets = {
            name: Asset(content_type(name), (static / name).read_bytes()) for name in PACKAGE_FILES
        }
        assets["start.js"] = Asset(content_type("start.js"), START.encode())
        return cls(document_bytes(), PAGE.encode(), assets)


@cache
def loaded() -> ApiReference:
    """The reference this process serves (the platform loads it when it registers)."""
    return ApiReference.load()
