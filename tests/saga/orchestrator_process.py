"""An orchestrator process for the crash tests: `python -m tests.saga.orchestrator_process`.

It runs what the saga service runs for sagas (the claim loop, leases, the engine), with
its participants wherever TABLEMESH_<NAME>_ADDR points, until it is killed.
"""

from __future__ import annotations

import asyncio

from services.runtime.cache import create_redis
from services.runtime.clients import MeshClients
from services.runtime.config import settings
from services.runtime.db import create_engine
from services.saga.app import build


async def main() -> None:
    cfg = settings()
    assert cfg.database_url and cfg.redis_url
    app = build(create_engine(cfg.database_url), create_redis(cfg.redis_url), MeshClients(), cfg)
    app.orchestrator.start()
    print("orchestrator ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
