"""Files through Envoy on the shared mesh, as a user with curl would use them: a raw body
streamed in, listed, read back byte for byte, processed; every bad input answered with
its exact status and a JSON google.rpc.Status, and nothing stored; tenants apart."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import httpx
import psycopg
import pytest
from tablemesh.automation.v1 import files_service_pb2 as pb
from tablemesh.automation.v1 import files_service_pb2_grpc as pb_grpc

from services.automation.files.store import CHUNK_BYTES
from tests.automation.files import documents
from tests.e2e.mesh import Mesh, bearer
from tests.e2e.test_bad_input import assert_status
from tests.e2e.test_workflows import finished_executions

MIB = 1024 * 1024
# The mesh runs with the default limit (TABLEMESH_FILES_MAX_BYTES).
LIMIT = 25 * MIB
# Words an error message must never carry: SQL, paths, classes, tracebacks.
LEAKS = (
    "SELECT",
    "INSERT",
    "sqlalchemy",
    "psycopg",
    "Traceback",
    "Error",
    "/work/",
    "/tmp/",
    ".py",
)


@dataclass
class Person:
    tenant_id: str
    headers: dict[str, str]
    token: str


def person(mesh: Mesh) -> Person:
    account = mesh.register()
    token = account["access_token"]
    return Person(account["principal"]["tenant_id"], bearer(token), token)


@pytest.fixture(scope="module")
def ada(mesh: Mesh) -> Person:
    return person(mesh)


def pieces(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """A body httpx streams (chunked, never whole in one write), as curl sends a file."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def upload(mesh: Mesh, who: Person, name: str, data: bytes, **params: str) -> httpx.Response:
    return mesh.http.post(
        "/api/v1/files", params={"name": name, **params}, content=pieces(data), headers=who.headers
    )


def uploaded(mesh: Mesh, who: Person, name: str, data: bytes) -> dict[str, Any]:
    reply = upload(mesh, who, name, data)
    assert reply.status_code == 200, reply.text
    return dict(reply.json()["file"])


def stored(mesh: Mesh, tenant_id: str) -> tuple[int, int, int]:
    """(files, blobs, chunks) the tenant has in the mesh's database."""
    with psycopg.connect(mesh.database_url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM automation.files WHERE tenant_id = %(t)s),"
            " (SELECT count(*) FROM automation.blobs WHERE tenant_id = %(t)s),"
            " (SELECT count(*) FROM automation.blob_chunks c JOIN automation.blobs b"
            "   ON b.id = c.blob_id WHERE b.tenant_id = %(t)s)",
            {"t": tenant_id},
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def refused(reply: httpx.Response, http: int, code: int, *needles: str) -> None:
    assert_status(reply, http, code, *needles)
    message = reply.json()["message"]
    assert not [word for word in LEAKS if word in message], message


def test_upload_list_read_back_and_process_a_csv(mesh: Mesh, ada: Person) -> None:
    data = "name,hours\nAtlas,12.5\nBoreas,3\nCélèste,7\n".encode()
    file = uploaded(mesh, ada, "hours.csv", data)
    assert file["name"] == "hours.csv" and file["size_bytes"] == str(len(data))
    assert file["content_type"] == "text/csv; charset=utf-8"
    assert file["sha256"] == hashlib.sha256(data).hexdigest()
    listed = mesh.http.get("/api/v1/files", headers=ada.headers).json()["files"]
    assert file["id"] in [f["id"] for f in listed]
    got = mesh.http.get(f"/api/v1/files/{file['id']}", headers=ada.headers)
    assert got.status_code == 200 and got.json()["file"] == file
    content = mesh.http.get(f"/api/v1/files/{file['id']}/content", headers=ada.headers)
    assert content.status_code == 200
    assert content.content == data
    assert content.headers["content-type"] == "text/csv; charset=utf-8"
    assert content.headers["content-disposition"] == (
        "attachment; filename=\"hours.csv\"; filename*=UTF-8''hours.csv"
    )
    processed = mesh.http.post(f"/api/v1/files/{file['id']}:process", json={}, headers=ada.headers)
    assert processed.status_code == 200, processed.text
    assert processed.json()["tables"] == [
        {
            "name": "hours.csv",
            "rows": [
                {"cells": ["name", "hours"]},
                {"cells": ["Atlas", "12.5"]},
                {"cells": ["Boreas", "3"]},
                {"cells": ["Célèste", "7"]},
            ],
            "row_count": "4",
        }
    ]


@pytest.mark.parametrize(
    ("name", "data", "text", "rows"),
    [
        (
            "hours.xlsx",
            documents.xlsx({"Hours": [["Name", "Hours"], ["Atlas", 12.5]]}),
            "Name\tHours\nAtlas\t12.5\n",
            {"Hours": [["Name", "Hours"], ["Atlas", "12.5"]]},
        ),
        (
            "report.docx",
            documents.docx_file(["Quarterly report"], table=[["Name", "Hours"], ["Atlas", "3"]]),
            "Quarterly report\n",
            {"table 1": [["Name", "Hours"], ["Atlas", "3"]]},
        ),
        (
            "report.pdf",
            documents.pdf(["Quarterly report", "Page two"]),
            "Quarterly report\fPage two",
            {},
        ),
    ],
)
def test_process_office_files_and_pdfs(
    mesh: Mesh, ada: Person, name: str, data: bytes, text: str, rows: dict[str, Any]
) -> None:
    file = uploaded(mesh, ada, name, data)
    content = mesh.http.get(f"/api/v1/files/{file['id']}/content", headers=ada.headers)
    assert content.content == data
    assert content.headers["content-type"] == file["content_type"]
    reply = mesh.http.post(f"/api/v1/files/{file['id']}:process", json={}, headers=ada.headers)
    assert reply.status_code == 200, reply.text
    found = reply.json()
    assert found["text"] == text
    assert {t["name"]: [r["cells"] for r in t["rows"]] for t in found["tables"]} == rows
    assert not found["text_truncated"] and not found["rows_truncated"]


BOOK = documents.xlsx({"S": [["a"]]})
DOC = documents.docx_file(["a"])


@pytest.mark.parametrize(
    ("name", "data", "http", "code", "needle"),
    [
        ("tool.exe", b"MZ\x90\x00", 400, 3, "name: extension .exe is not allowed"),
        ("report.pdf", b"just text", 400, 3, "does not match the extension .pdf"),
        ("notes.txt", b"text\x00with NUL", 400, 3, "text must not contain NUL bytes"),
        ("hours.xlsx", DOC, 400, 3, "lacks xl/workbook.xml"),
        ("bomb.xlsx", documents.zip_bomb(BOOK), 400, 3, "unpacks to more than 100 times"),
        ("bomb.docx", documents.zip_bomb(DOC), 400, 3, "unpacks to more than 100 times"),
        ("../../etc/passwd.txt", b"root", 400, 3, "must not contain slashes"),
        ("..\\boot.txt", b"x", 400, 3, "must not contain slashes or backslashes"),
        ("a..txt", b"x", 400, 3, 'must not contain ".."'),
        ("tab\t.txt", b"x", 400, 3, "must not contain control or format characters"),
        ("empty.txt", b"", 400, 3, "the file is empty"),
    ],
)
def test_bad_uploads_are_refused_and_store_nothing(
    mesh: Mesh, name: str, data: bytes, http: int, code: int, needle: str
) -> None:
    who = person(mesh)
    refused(upload(mesh, who, name, data), http, code, needle)
    assert stored(mesh, who.tenant_id) == (0, 0, 0)


def test_an_upload_over_the_limit_is_refused_while_it_streams(mesh: Mesh) -> None:
    who = person(mesh)
    sent = 0

    def endless() -> Iterator[bytes]:
        nonlocal sent
        for _ in range(1024):  # a GiB, if nobody stopped reading
            sent += MIB
            yield b"a" * MIB

    reply = mesh.http.post(
        "/api/v1/files", params={"name": "huge.txt"}, content=endless(), headers=who.headers
    )
    refused(reply, 429, 8, "the file is larger than the limit of 25 MiB")
    assert reply.json()["details"][0]["reason"] == "FILE_TOO_LARGE"
    # The answer came while the body was still streaming, long before its end.
    assert sent < 256 * MIB
    assert stored(mesh, who.tenant_id) == (0, 0, 0)


def test_grpc_clients_stream_an_upload_through_the_gateway(mesh: Mesh) -> None:
    who = person(mesh)
    metadata = (("authorization", f"Bearer {who.token}"),)
    read = 0

    def messages(name: str, total: int) -> Iterator[pb.UploadFileRequest]:
        nonlocal read
        yield pb.UploadFileRequest(name=name, request_id=f"grpc-{name}")
        for _ in range(total):
            read += MIB
            yield pb.UploadFileRequest(content={"data": b"b" * MIB})

    with mesh.channel() as channel:
        stub = pb_grpc.FilesServiceStub(channel)
        done = stub.UploadFile(messages("b.txt", 3), metadata=metadata, timeout=60)
        assert done.file.size_bytes == 3 * MIB and done.file.name == "b.txt"
        read = 0
        with pytest.raises(grpc.RpcError) as raised:
            stub.UploadFile(messages("c.txt", 1024), metadata=metadata, timeout=60)
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert read < LIMIT + 64 * MIB
    assert stored(mesh, who.tenant_id) == (1, 1, 12)


def test_a_retry_with_the_request_id_stores_nothing_new(mesh: Mesh) -> None:
    who = person(mesh)
    first = upload(mesh, who, "a.txt", b"first", request_id="upload-7").json()["file"]
    again = upload(mesh, who, "a.txt", b"first", request_id="upload-7").json()["file"]
    assert again == first
    assert stored(mesh, who.tenant_id) == (1, 1, 1)


def test_unknown_ids_and_another_tenants_files_are_not_found(mesh: Mesh, ada: Person) -> None:
    theirs = uploaded(mesh, ada, "payroll.csv", b"name,salary\nAda,1\n")
    mallory = person(mesh)
    unknown = "00000000-0000-4000-8000-000000000000"
    for file_id in (unknown, theirs["id"]):
        for reply in (
            mesh.http.get(f"/api/v1/files/{file_id}", headers=mallory.headers),
            mesh.http.get(f"/api/v1/files/{file_id}/content", headers=mallory.headers),
            mesh.http.post(f"/api/v1/files/{file_id}:process", json={}, headers=mallory.headers),
        ):
            refused(reply, 404, 5, f"file {file_id} not found")
    assert mesh.http.get("/api/v1/files", headers=mallory.headers).json()["files"] == []
    # Deleting someone else's file answers as for an unknown id, and deletes nothing.
    gone = mesh.http.delete(f"/api/v1/files/{theirs['id']}", headers=mallory.headers)
    assert gone.status_code == 200
    mine = mesh.http.get(f"/api/v1/files/{theirs['id']}", headers=ada.headers)
    assert mine.status_code == 200
    refused(mesh.http.get("/api/v1/files/not-a-uuid", headers=ada.headers), 400, 3, "UUID")
    refused(mesh.http.get("/api/v1/files"), 401, 16)


def test_delete_then_the_file_is_gone(mesh: Mesh) -> None:
    who = person(mesh)
    file = uploaded(mesh, who, "a.txt", b"bye")
    assert mesh.http.delete(f"/api/v1/files/{file['id']}", headers=who.headers).status_code == 200
    refused(mesh.http.get(f"/api/v1/files/{file['id']}", headers=who.headers), 404, 5)
    assert stored(mesh, who.tenant_id) == (0, 0, 0)


def test_a_large_upload_streams_into_chunks(mesh: Mesh) -> None:
    who = person(mesh)
    line = b"0123456789,abcdefghijklmnopqrstuvwxyz,0.123456789\n"
    data = line * (20 * MIB // len(line))
    file = uploaded(mesh, who, "large.csv", data)
    assert int(file["size_bytes"]) == len(data)
    # Stored as it arrived, in 256 KiB chunks, none bigger.
    with psycopg.connect(mesh.database_url) as conn:
        sizes = [
            row[0]
            for row in conn.execute(
                "SELECT length(c.data) FROM automation.blob_chunks c JOIN automation.files f"
                " ON f.blob_id = c.blob_id WHERE f.id = %s ORDER BY c.seq",
                (file["id"],),
            )
        ]
    assert len(sizes) == math.ceil(len(data) / CHUNK_BYTES)
    assert set(sizes[:-1]) == {CHUNK_BYTES} and 0 < sizes[-1] <= CHUNK_BYTES
    digest = hashlib.sha256()
    url = f"/api/v1/files/{file['id']}/content"
    with mesh.http.stream("GET", url, headers=who.headers) as content:
        assert content.status_code == 200
        for piece in content.iter_bytes():
            digest.update(piece)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest() == file["sha256"]


def test_an_upload_starts_the_workflows_its_file_matches(mesh: Mesh) -> None:
    # The upload announces file.uploaded on the event bus; the workflows pick it up.
    who = person(mesh)

    def on_upload(extensions: list[str]) -> str:
        workflow = {
            "name": f"on {extensions}",
            "enabled": True,
            "trigger": {"file_uploaded": {"extensions": extensions}},
            "steps": [
                {"name": "say", "type": "log", "config": {"message": "got {{trigger.name}}"}}
            ],
        }
        made = mesh.http.post("/api/v1/workflows", headers=who.headers, json=workflow)
        assert made.status_code == 200, made.text
        return str(made.json()["workflow"]["id"])

    csv, pdf = on_upload(["csv"]), on_upload(["pdf"])
    file = uploaded(mesh, who, "leads.csv", b"name\nAda\n")
    runs = finished_executions(mesh, who.headers, csv, 1)
    assert len(runs) == 1 and runs[0]["status"] == "EXECUTION_STATUS_SUCCEEDED", runs
    assert runs[0]["trigger_data"]["file_id"] == file["id"]
    assert runs[0]["steps"][0]["output"] == {"message": "got leads.csv"}
    listed = mesh.http.get(f"/api/v1/workflows/{pdf}/executions", headers=who.headers)
    assert listed.json().get("executions", []) == []
