"""Alembic environment shared by every service: one schema per service, and an advisory
lock so that several processes starting at once migrate one after the other."""

from __future__ import annotations

import zlib

from alembic import context
from sqlalchemy import create_engine, text

config = context.config
schema: str = config.attributes["schema"]
url: str = config.attributes["url"]


def run() -> None:
    engine = create_engine(url)
    lock_id = zlib.crc32(f"tablemesh-migrate-{schema}".encode())
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": lock_id})
        try:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            connection.commit()
            context.configure(
                connection=connection,
                version_table_schema=schema,
                include_schemas=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
            connection.commit()
    engine.dispose()


run()
