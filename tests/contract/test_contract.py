"""The contract stays sound. buf lint and breaking, the staleness of generated/, ruff and
mypy run beside the tests in `make lint` (which `make test` runs)."""

from __future__ import annotations

from google.protobuf import descriptor_pb2
from tablemesh.api.v1 import method_policy_pb2 as policy_pb

from services.gateway.http_rules import DESCRIPTOR_SET


def test_every_rpc_declares_who_may_call_it() -> None:
    """The audience is part of the contract: no method is left to a default."""
    files = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR_SET.read_bytes())
    undeclared = [
        f"{file.package}.{service.name}/{method.name}"
        for file in files.file
        if file.package.startswith("tablemesh.")
        for service in file.service
        for method in service.method
        if not method.options.Extensions[policy_pb.policy].visibility
    ]
    assert undeclared == []
