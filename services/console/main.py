"""Runs the console service: `python -m services.console.main`.

It serves the built web console (TABLEMESH_CONSOLE_DIR) through the gateway at `/`, each
file a stream of google.api.HttpBody chunks. A console that was not built is no outage:
the service is SERVING and every page says how to build it.
"""

from __future__ import annotations

# First, before anything imports structlog (see the module).
import services.runtime.no_rich  # noqa: F401

# isort: split
from collections.abc import AsyncIterator

import grpc
from google.api import httpbody_pb2
from tablemesh.console.v1 import console_service_pb2 as pb
from tablemesh.console.v1 import console_service_pb2_grpc as pb_grpc

from services.console.site import BadPath, Site
from services.runtime import logs
from services.runtime.server import Deps, run
from services.runtime.static_files import stream
from services.runtime.wire import Ctx


class ConsoleServicer(pb_grpc.ConsoleServiceServicer):
    def __init__(self, site: Site) -> None:
        self.site = site

    async def GetAsset(
        self, request: pb.GetAssetRequest, context: Ctx
    ) -> AsyncIterator[httpbody_pb2.HttpBody]:
        try:
            asset = self.site.lookup(request.path)
        except BadPath:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "path: '.', '..' and '\\' are not allowed"
            )
            return
        async for chunk in stream(asset, context, "the console has no such file"):
            yield chunk


def register(server: grpc.aio.Server, deps: Deps) -> None:
    site = Site.load(deps.settings.console_dir)
    log = logs.get("console")
    if site.built:
        log.info("console loaded", files=len(site.files))
    else:
        log.warning("the console is not built: run `make console`; / says so meanwhile")
    pb_grpc.add_ConsoleServiceServicer_to_server(ConsoleServicer(site), server)


def main() -> None:
    run("console", register)


if __name__ == "__main__":
    main()
