"""A fake Airtable REST API: a real HTTP server (starlette + uvicorn, in a thread) that keeps
bases in memory and answers as api.airtable.com does for the calls the airtable backend
makes: records with offset pagination, the meta API, bearer tokens, 422/403/404 errors,
and a 429 on every `throttle_every`th request and on any beyond `rate_limit` per second per
base, so clients must back off. It notes when each request arrived, per base.

Its filterByFormula is evaluated with the service's own formula package: it stands in for
Airtable's formula engine, which cannot run here.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.formula import FormulaError, UnknownField, compile_formula
from tests.airtable.fake_records import FakeBase, FakeError, new_id

TOKEN = "patFAKE.secret-token"
WORKSPACE = "wspFAKEWORKSPACE1"


def error(status: int, kind: str, message: str = "") -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "message": message or kind}}, status)


class FakeAirtable:
    def __init__(self, throttle_every: int = 7, rate_limit: float | None = None) -> None:
        self.bases: dict[str, FakeBase] = {}
        self.throttle_every = throttle_every
        # Requests per second per base above which a real Airtable would refuse.
        self.rate_limit = rate_limit
        self.requests = 0
        self.throttled = 0
        self.rate_violations = 0
        # When each request arrived (time.monotonic()), per base ("" for the meta API).
        self.arrivals: dict[str, list[float]] = defaultdict(list)
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        gate = Middleware(BaseHTTPMiddleware, dispatch=self._gate)
        self.app = Starlette(routes=self._routes(), middleware=[gate])
        self.url = ""

    def _routes(self) -> list[Route]:
        return [
            Route("/v0/meta/bases", self.list_bases, methods=["GET"]),
            Route("/v0/meta/bases", self.create_base, methods=["POST"]),
            Route("/v0/meta/bases/{base}/tables", self.schema, methods=["GET"]),
            Route("/v0/meta/bases/{base}/tables", self.create_table, methods=["POST"]),
            Route(
                "/v0/meta/bases/{base}/tables/{table}/fields", self.create_field, methods=["POST"]
            ),
            Route(
                "/v0/{base}/{table}",
                self.records,
                methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            ),
            Route("/v0/{base}/{table}/{record}", self.get_record, methods=["GET"]),
        ]

    async def _gate(self, request: Request, call_next: Any) -> Any:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return error(401, "AUTHENTICATION_REQUIRED", "Authentication required")
        with self._lock:
            self.requests += 1
            throttle = self.throttle_every and self.requests % self.throttle_every == 0
            parts = request.url.path.split("/")
            base = (parts[4] if len(parts) > 4 else "") if parts[2] == "meta" else parts[2]
            window = self._recent[base]
            now = time.monotonic()
            window.append(now)
            self.arrivals[base].append(now)
            while window and window[0] < now - 1.0:
                window.popleft()
            if self.rate_limit and len(window) > self.rate_limit * 1.05 + 1:
                # Airtable refuses requests beyond its pace, so clients see the 429.
                self.rate_violations += 1
                throttle = True
        if throttle:
            self.throttled += 1
            body = {"errors": [{"error": "RATE_LIMIT_REACHED", "message": "Rate limit exceeded"}]}
            headers = {"Retry-After": "0.05"} if self.throttled % 2 else {}
            return JSONResponse(body, 429, headers=headers)
        try:
            return await call_next(request)
        except FakeError as exc:
            return error(exc.status, exc.kind, exc.message)

    def base(self, request: Request) -> FakeBase:
        base = self.bases.get(request.path_params["base"])
        if base is None:
            raise FakeError(403, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND")
        return base

    # --- meta API ---------------------------------------------------------------------
    async def list_bases(self, request: Request) -> JSONResponse:
        ids = sorted(self.bases)
        start = int(request.query_params.get("offset") or 0)
        page = ids[start : start + 3]  # small pages, so clients must follow the offset
        body: dict[str, Any] = {
            "bases": [
                {"id": i, "name": self.bases[i].name, "permissionLevel": "create"} for i in page
            ]
        }
        if start + 3 < len(ids):
            body["offset"] = str(start + 3)
        return JSONResponse(body)

    async def create_base(self, request: Request) -> JSONResponse:
        body = await request.json()
        if body.get("workspaceId") != WORKSPACE:
            raise FakeError(403, "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND")
        if not body.get("tables"):
            raise FakeError(422, "INVALID_REQUEST_UNKNOWN", "tables: at least one table")
        base = FakeBase(new_id("app"), body["name"])
        tables = [base.add_table(spec) for spec in body["tables"]]
        self.bases[base.id] = base
        return JSONResponse({"id": base.id, "tables": tables})

    async def schema(self, request: Request) -> JSONResponse:
        return JSONResponse({"tables": self.base(request).schema()})

    async def create_table(self, request: Request) -> JSONResponse:
        return JSONResponse(self.base(request).add_table(await request.json()))

    async def create_field(self, request: Request) -> JSONResponse:
        table = self.base(request).table(request.path_params["table"])
        return JSONResponse(table.add_field(await request.json()))

    # --- records ----------------------------------------------------------------------
    async def records(self, request: Request) -> JSONResponse:
        table = self.base(request).table(request.path_params["table"])
        if request.method == "GET":
            return JSONResponse(self._list(table, request))
        if request.method == "DELETE":
            ids = request.query_params.getlist("records[]")
            return JSONResponse({"records": table.delete(ids)})
        body = await request.json()
        items = body.get("records", [])
        if len(items) > 10:
            raise FakeError(422, "INVALID_RECORDS", "at most 10 records per request")
        typecast = bool(body.get("typecast"))
        if request.method == "POST":
            return JSONResponse({"records": table.create(items, typecast)})
        return JSONResponse({"records": table.update(items, typecast, request.method == "PUT")})

    def _list(self, table: Any, request: Request) -> dict[str, Any]:
        query = request.query_params
        formula = None
        if text := query.get("filterByFormula"):
            try:
                formula = compile_formula(text, {f["name"]: f["type"] for f in table.fields})
            except (FormulaError, UnknownField) as exc:
                raise FakeError(422, "INVALID_FILTER_BY_FORMULA", str(exc)) from exc
        sort = []
        for i in range(10):
            if name := query.get(f"sort[{i}][field]"):
                sort.append((name, query.get(f"sort[{i}][direction]") == "desc"))
        rows = table.query(formula, sort, query.getlist("fields[]"))
        size = min(int(query.get("pageSize") or 100), 100)
        start = table.iterators.pop(query["offset"], None) if query.get("offset") else 0
        if start is None:
            raise FakeError(422, "LIST_RECORDS_ITERATOR_NOT_AVAILABLE")
        body: dict[str, Any] = {"records": rows[start : start + size]}
        if start + size < len(rows):
            offset = f"itr{new_id('')}/{rows[start + size - 1]['id']}"
            table.iterators[offset] = start + size
            body["offset"] = offset
        return body

    async def get_record(self, request: Request) -> JSONResponse:
        table = self.base(request).table(request.path_params["table"])
        return JSONResponse(table.get(request.path_params["record"]))


@contextmanager
def running(fake: FakeAirtable) -> Iterator[FakeAirtable]:
    """Serves the fake on a free port of 127.0.0.1 until the block ends."""
    config = uvicorn.Config(fake.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(10)
