"""`python -m services.runtime.migrate [--results FILE] SERVICE...`: apply each service's
migrations (every service with a database when none is named).

One process migrates them all, one after the other: Alembic and SQLAlchemy load once,
rather than once per service. A failing service does not stop the others; `--results`
writes the names of the failed ones as a JSON list, so the launcher can say which.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from services.runtime import registry
from services.runtime.config import settings
from services.runtime.db import migrate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.runtime.migrate")
    parser.add_argument("services", nargs="*")
    parser.add_argument("--results", type=Path, help="write the failed services here")
    args = parser.parse_args(argv)
    url = settings().database_url
    if not url:
        print("DATABASE_URL is not set: nothing to migrate", file=sys.stderr)
        return 2
    failed: list[str] = []
    for name in args.services or [s.name for s in registry.SERVICES if s.uses_database]:
        registry.spec(name)
        print(f"{name}: applying migrations", flush=True)
        try:
            migrate(name, url)
        except Exception:  # noqa: BLE001 - reported per service, then the next one
            traceback.print_exc()
            failed.append(name)
    if args.results is not None:
        args.results.write_text(json.dumps(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
