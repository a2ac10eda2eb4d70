"""The REST side of every mesh RPC, read from the descriptor set Envoy's transcoder loads.

Envoy's jwt_authn and CORS filters run before the transcoder and see the REST path, so the
gateway config needs each method's `google.api.http` bindings as route matches. Reading them
from the same descriptor set the transcoder uses keeps the two from drifting apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pb2

from services.runtime import method_policy
from services.runtime.http_templates import template_regex
from services.runtime.method_policy import Policy

ROOT = Path(__file__).resolve().parents[2]
DESCRIPTOR_SET = ROOT / "generated" / "tablemesh.binpb"


@dataclass(frozen=True)
class Binding:
    """One REST binding of an RPC: `GET /api/v1/users/{user_id}`."""

    verb: str  # upper-case HTTP method
    template: str  # the google.api.http path template

    @property
    def regex(self) -> str:
        return template_regex(self.template)


@dataclass(frozen=True)
class Method:
    """One RPC of a mesh service and its REST bindings (none for internal RPCs)."""

    service: str  # fully qualified gRPC service, e.g. tablemesh.users.v1.UsersService
    name: str  # e.g. GetUser
    bindings: tuple[Binding, ...]
    # True for server-streaming RPCs (StreamChat): no overall timeout at the gateway.
    server_streaming: bool = False
    # What the contract declares: audience, sign-in limit, long running, idempotency.
    policy: Policy = Policy()
    # True for client-streaming RPCs (UploadFile): the request body streams through the
    # gateway unbuffered, with no overall timeout.
    client_streaming: bool = False

    @property
    def path(self) -> str:
        """The native gRPC :path, e.g. /tablemesh.users.v1.UsersService/GetUser."""
        return f"/{self.service}/{self.name}"


def _bindings(rule: http_pb2.HttpRule) -> list[Binding]:
    found = []
    kind = rule.WhichOneof("pattern")
    if kind == "custom":
        found.append(Binding(rule.custom.kind.upper(), rule.custom.path))
    elif kind is not None:
        found.append(Binding(kind.upper(), getattr(rule, kind)))
    for extra in rule.additional_bindings:
        found.extend(_bindings(extra))
    return found


def load_methods(services: list[str], path: Path = DESCRIPTOR_SET) -> list[Method]:
    """Every method of the named gRPC services, in descriptor order.

    Raises KeyError naming a service that is missing from the descriptor set (a stale
    `generated/`: run scripts/codegen.py).
    """
    fds = descriptor_pb2.FileDescriptorSet.FromString(path.read_bytes())
    by_name: dict[str, descriptor_pb2.ServiceDescriptorProto] = {}
    for file in fds.file:
        for svc in file.service:
            by_name[f"{file.package}.{svc.name}"] = svc
    methods = []
    for service in services:
        if service not in by_name:
            raise KeyError(f"gRPC service {service} is not in {path}; run scripts/codegen.py")
        for m in by_name[service].method:
            rule = m.options.Extensions[annotations_pb2.http]
            policy = method_policy.from_options(m.options)
            methods.append(
                Method(
                    service,
                    m.name,
                    tuple(_bindings(rule)),
                    m.server_streaming,
                    policy,
                    m.client_streaming,
                )
            )
    return methods


def exposed(methods: list[Method]) -> list[Method]:
    """The methods the gateway serves: every one that is not internal."""
    return [m for m in methods if not m.policy.internal]
