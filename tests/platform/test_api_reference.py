"""What the platform serves as the API reference: the document, the page and its files."""

from __future__ import annotations

import json
import re

from services.gateway.openapi import build
from services.platform.api_reference import DOCUMENT_URL, ApiReference
from services.runtime.static_files import CHUNK_BYTES


def test_the_document_is_the_built_one() -> None:
    reference = ApiReference.load()
    assert json.loads(reference.document) == build()


def test_every_file_the_page_names_is_served() -> None:
    reference = ApiReference.load()
    named = re.findall(r'(?:src|href)="/docs/([^"]+)"', reference.page.decode())
    assert sorted(named) == sorted(
        ["swagger-ui.css", "favicon-32x32.png", "swagger-ui-bundle.js"]
        + ["swagger-ui-standalone-preset.js", "start.js"]
    )
    assert set(named) <= set(reference.assets)
    assert DOCUMENT_URL.encode() in reference.assets["start.js"].data


def test_a_large_file_goes_out_in_chunks_that_add_up() -> None:
    script = ApiReference.load().assets["swagger-ui-bundle.js"]
    chunks = list(script.chunks())
    assert len(chunks) > 1 and all(len(c) <= CHUNK_BYTES for c in chunks)
    assert b"".join(chunks) == script.data
    assert script.content_type == "text/javascript"
