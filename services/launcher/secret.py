"""The mesh's service secret when TABLEMESH_SERVICE_SECRET is not set: one kept under var/.

Made on the first start (random, readable by the owner only) and reused on every later
one, so signing keys and page tokens stay valid across restarts. It reaches each child
through the environment the launcher starts it with. The value is never printed.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from services.runtime.config import SERVICE_SECRET_VARIABLE, VarSettings, check_service_secret

FILE_NAME = "service-secret"


class SecretFileError(Exception):
    """The kept secret cannot be used; the message says what to do."""


def secret_file(var_dir: Path) -> Path:
    return var_dir.expanduser().resolve() / FILE_NAME


def _read(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        # Someone loosened it (or a copy did): owner-only again, as it was made.
        path.chmod(0o600)
    value = path.read_text().strip()
    try:
        return check_service_secret(value)
    except ValueError as exc:
        raise SecretFileError(
            f"{path} does not hold a usable {SERVICE_SECRET_VARIABLE}: {exc}; "
            "delete it to have a new one made, or set the variable"
        ) from exc


def load_or_create(path: Path) -> str:
    """The secret kept at `path`, made first if there is none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two launchers starting at once agree on whichever file came first.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    value = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as out:
        out.write(value + "\n")
    return value


def ensure_in_environment() -> None:
    """Before settings are first read: a set variable wins (and is validated by settings),
    otherwise the kept secret is put into this process's environment for its children."""
    if os.environ.get(SERVICE_SECRET_VARIABLE):
        return
    os.environ[SERVICE_SECRET_VARIABLE] = load_or_create(secret_file(VarSettings().var_dir))
