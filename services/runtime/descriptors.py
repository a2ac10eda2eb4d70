"""Loads every generated protobuf module, so the default descriptor pool knows every
service of the mesh (reflection on the platform service, tests walking all methods)."""

from __future__ import annotations

import importlib
import pkgutil

import tablemesh

from services.runtime import registry


def load_all() -> list[str]:
    """Imports every *_pb2 module; returns the mesh's gRPC service names."""
    for module in pkgutil.walk_packages(tablemesh.__path__, "tablemesh."):
        if module.name.endswith("_pb2"):
            importlib.import_module(module.name)
    return [name for spec in registry.SERVICES for name in spec.grpc_services]
