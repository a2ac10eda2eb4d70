"""`python -m services.runtime.migrate SERVICE...`: apply each service's migrations."""

from __future__ import annotations

import sys

from services.runtime import registry
from services.runtime.config import settings
from services.runtime.db import migrate


def main(argv: list[str] | None = None) -> int:
    names = argv if argv is not None else sys.argv[1:]
    url = settings().database_url
    if not url:
        print("DATABASE_URL is not set: nothing to migrate", file=sys.stderr)
        return 2
    for name in names or [s.name for s in registry.SERVICES if s.uses_database]:
        registry.spec(name)
        migrate(name, url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
