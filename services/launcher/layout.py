"""Where the launcher keeps things under the var dir (TABLEMESH_VAR_DIR, default ./var).

Every path is absolute, so children started from another working directory, and later
`tablemesh status` / `down` / `logs` calls, agree on the same files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.runtime.config import settings


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def state_file(self) -> Path:
        return self.run / "state.json"

    @property
    def pg_data(self) -> Path:
        return self.root / "pg" / "data"

    @property
    def redis_dir(self) -> Path:
        return self.root / "redis"

    @property
    def envoy_config(self) -> Path:
        return self.root / "envoy" / "envoy.yaml"

    def log(self, name: str) -> Path:
        """The log of a service, of `envoy`, `redis` or `launcher`; PostgreSQL keeps its own."""
        if name == "postgres":
            return self.pg_data / "log"
        return self.logs / f"{name}.log"

    def ensure(self) -> Layout:
        for directory in (self.logs, self.run, self.pg_data.parent, self.redis_dir):
            directory.mkdir(parents=True, exist_ok=True)
        self.envoy_config.parent.mkdir(parents=True, exist_ok=True)
        return self


def layout() -> Layout:
    return Layout(settings().var_dir.expanduser().resolve())
