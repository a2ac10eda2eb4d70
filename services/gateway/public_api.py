"""The mesh's API as the gateway exposes it: the contract without its internal methods.

Reflection through the gateway (served by the platform service) and the OpenAPI document
describe this view, so a client is never shown a method it cannot call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

from google.protobuf import descriptor, descriptor_pb2, descriptor_pool
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2

from services.gateway.http_rules import DESCRIPTOR_SET
from services.runtime import descriptors, method_policy


def without_internal(files: Iterable[descriptor_pb2.FileDescriptorProto]) -> None:
    """Drops every internal method from the mesh's services, in place (the standard
    protocols, health and reflection, declare no policy and are left alone)."""
    for file in files:
        if not file.package.startswith("tablemesh."):
            continue
        for service in file.service:
            keep = [m for m in service.method if not method_policy.from_options(m.options).internal]
            del service.method[:]
            service.method.extend(keep)


def public_descriptor_set(path: Path = DESCRIPTOR_SET) -> descriptor_pb2.FileDescriptorSet:
    """The descriptor set Envoy loads, each service keeping only its exposed methods."""
    files = descriptor_pb2.FileDescriptorSet.FromString(path.read_bytes())
    without_internal(files.file)
    return files


def _with_dependencies(
    file: descriptor.FileDescriptor, seen: set[str]
) -> Iterator[descriptor.FileDescriptor]:
    """The file after everything it imports, each file once."""
    if file.name in seen:
        return
    seen.add(file.name)
    for dependency in file.dependencies:
        yield from _with_dependencies(dependency, seen)
    yield file


@cache
def public_pool() -> descriptor_pool.DescriptorPool:
    """The public view of the generated modules, plus the standard health and reflection
    protocols every server answers: what the platform's reflection serves."""
    default = descriptor_pool.Default()
    roots = [default.FindFileContainingSymbol(name) for name in descriptors.load_all()] + [
        health_pb2.DESCRIPTOR,
        reflection_pb2.DESCRIPTOR,
    ]
    seen: set[str] = set()
    protos = []
    for root in roots:
        for file in _with_dependencies(root, seen):
            proto = descriptor_pb2.FileDescriptorProto()
            file.CopyToProto(proto)
            protos.append(proto)
    without_internal(protos)
    pool = descriptor_pool.DescriptorPool()
    for proto in protos:
        pool.Add(proto)
    return pool
