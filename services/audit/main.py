"""Runs the audit service: `python -m services.audit.main`.

Besides the API, each process records the audited events of the bus (consumer group
"audit"), signs the log's head every TABLEMESH_AUDIT_SIGN_INTERVAL seconds when it grew,
and prunes the details of entries older than TABLEMESH_AUDIT_RETENTION_DAYS.
"""

from __future__ import annotations

# First, before anything imports structlog (see the module).
import services.runtime.no_rich  # noqa: F401

# isort: split
import grpc
from tablemesh.audit.v1 import audit_service_pb2_grpc as pb_grpc

from services.audit import consumer, log, signing
from services.audit.queries import AuditQueries
from services.audit.servicer import AuditServicer
from services.runtime.background import poll_forever
from services.runtime.server import Deps, run
from services.runtime.subscriptions import consumer_name

# Seconds between looks for entries past their retention.
PRUNE_EVERY = 3600.0


def register(server: grpc.aio.Server, deps: Deps) -> None:
    cfg = deps.settings
    secret = cfg.audit_signing_key.get_secret_value() if cfg.audit_signing_key else None
    try:
        key = signing.load_key(secret)
    except signing.KeyError_ as exc:
        raise SystemExit(f"audit: {exc}") from exc
    pb_grpc.add_AuditServiceServicer_to_server(AuditServicer(AuditQueries(deps.db)), server)
    deps.run_in_background(consumer.subscription(deps.redis, deps.db, consumer_name("audit")).run())

    async def sign_once() -> bool:
        await log.sign_head(deps.db, key)
        return False

    async def prune_once() -> bool:
        await log.prune(deps.db, cfg.audit_retention_days)
        return False

    deps.run_in_background(poll_forever(sign_once, cfg.audit_sign_interval, "audit head signing"))
    deps.run_in_background(poll_forever(prune_once, PRUNE_EVERY, "audit pruning"))


def main() -> None:
    run("audit", register)


if __name__ == "__main__":
    main()
