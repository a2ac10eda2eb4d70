"""gRPC face of the audit service: decode the request, ask the queries, encode the reply."""

from __future__ import annotations

from collections.abc import AsyncIterator

from google.api import httpbody_pb2
from tablemesh.audit.v1 import audit_service_pb2 as pb
from tablemesh.audit.v1 import audit_service_pb2_grpc as pb_grpc

from services.audit import convert
from services.audit.queries import AuditQueries
from services.runtime.identity import current_caller
from services.runtime.wire import Ctx

NDJSON = "application/x-ndjson"
# Lines per HttpBody message of an export.
LINES_PER_CHUNK = 200


class AuditServicer(pb_grpc.AuditServiceServicer):
    def __init__(self, queries: AuditQueries) -> None:
        self.queries = queries

    async def ListAuditEntries(
        self, request: pb.ListAuditEntriesRequest, context: Ctx
    ) -> pb.ListAuditEntriesResponse:
        rows, token = await self.queries.list_page(
            current_caller(), convert.filters(request), request.page_size, request.page_token
        )
        return pb.ListAuditEntriesResponse(
            entries=[convert.entry(r) for r in rows], next_page_token=token
        )

    async def ExportAuditEntries(  # type: ignore[override]
        self, request: pb.ExportAuditEntriesRequest, context: Ctx
    ) -> AsyncIterator[httpbody_pb2.HttpBody]:
        rows = self.queries.export(current_caller(), convert.filters(request))
        # The first batch is read before anything is sent, so a refusal is a clean error.
        chunk: list[bytes] = []
        sent = False
        async for row in rows:
            chunk.append(convert.json_line(row))
            if len(chunk) >= LINES_PER_CHUNK:
                yield httpbody_pb2.HttpBody(content_type=NDJSON, data=b"".join(chunk))
                chunk, sent = [], True
        if chunk or not sent:
            yield httpbody_pb2.HttpBody(content_type=NDJSON, data=b"".join(chunk))

    async def GetSignedTreeHead(
        self, request: pb.GetSignedTreeHeadRequest, context: Ctx
    ) -> pb.GetSignedTreeHeadResponse:
        head = await self.queries.signed_head(current_caller())
        if head is None:
            return pb.GetSignedTreeHeadResponse()
        return pb.GetSignedTreeHeadResponse(tree_head=convert.tree_head(head))

    async def GetInclusionProof(
        self, request: pb.GetInclusionProofRequest, context: Ctx
    ) -> pb.GetInclusionProofResponse:
        proof = await self.queries.inclusion(current_caller(), request.sequence, request.tree_size)
        return pb.GetInclusionProofResponse(
            leaf_index=proof.leaf_index,
            tree_size=proof.tree_size,
            leaf_hash=proof.leaf_hash.hex(),
            audit_path=[h.hex() for h in proof.hashes],
            root_hash=proof.root.hex(),
        )

    async def GetConsistencyProof(
        self, request: pb.GetConsistencyProofRequest, context: Ctx
    ) -> pb.GetConsistencyProofResponse:
        proof = await self.queries.consistency(
            current_caller(), request.first_size, request.second_size
        )
        return pb.GetConsistencyProofResponse(
            first_size=request.first_size,
            second_size=proof.tree_size,
            proof=[h.hex() for h in proof.hashes],
            first_root_hash=proof.other_root.hex(),
            second_root_hash=proof.root.hex(),
        )
