"""PostgreSQL through SQLAlchemy 2 (async, psycopg 3), and per-service migrations.

Each service owns one schema named after it and never touches another's. Migrations are
Alembic revisions in services/<name>/migrations/, run through the one env.py in
services/runtime/migrations/, with the version table inside the service's schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

if TYPE_CHECKING:
    from alembic.config import Config

RUNTIME_MIGRATIONS = Path(__file__).parent / "migrations"
SERVICES_DIR = Path(__file__).resolve().parent.parent


def sqlalchemy_url(url: str) -> str:
    """postgresql://... as given by users and pgserver, with the psycopg 3 driver named."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {url.split(':', 1)[0]}://...")


# Seconds a query waits for a free pooled connection (sqlalchemy.exc.TimeoutError after,
# answered as UNAVAILABLE), and for a new connection to PostgreSQL.
POOL_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5


def create_engine(
    url: str, *, pool_size: int = 2, max_overflow: int = 10, pool_timeout: float = POOL_TIMEOUT
) -> AsyncEngine:
    """A small kept pool plus overflow for bursts: a mesh runs many processes (services x
    workers), and each kept connection counts against PostgreSQL's max_connections. A burst
    beyond it waits (bounded) for a connection. Parameters stay out of exception messages,
    so emails and key hashes never reach a log line through a failed statement."""
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT},
    )


def alembic_config(service_name: str, database_url: str) -> Config:
    # Alembic (and Mako under it) only where migrations run, not in every service process.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(RUNTIME_MIGRATIONS))
    cfg.set_main_option(
        "version_locations", str(SERVICES_DIR / service_name / "migrations" / "versions")
    )
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["schema"] = service_name
    cfg.attributes["url"] = sqlalchemy_url(database_url)
    return cfg


def migrate(service_name: str, database_url: str) -> None:
    """Brings the service's schema to the newest revision (safe to run concurrently)."""
    from alembic import command

    command.upgrade(alembic_config(service_name, database_url), "heads")
