"""The mesh's service secret when TABLEMESH_SERVICE_SECRET is not set: one kept under var/;
likewise the audit log's signing key (TABLEMESH_AUDIT_SIGNING_KEY, var/audit-signing-key).

Made on the first start (random, readable by the owner only) and reused on every later
one, so signing keys and page tokens stay valid across restarts. It reaches each child
through the environment the launcher starts it with. The value is never printed.
"""

from __future__ import annotations

import base64
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

from services.runtime.config import SERVICE_SECRET_VARIABLE, VarSettings, check_service_secret

FILE_NAME = "service-secret"
AUDIT_KEY_FILE = "audit-signing-key"
AUDIT_KEY_VARIABLE = "TABLEMESH_AUDIT_SIGNING_KEY"


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


def load_or_create(path: Path, make: Callable[[], str] = lambda: secrets.token_urlsafe(48)) -> str:
    """The secret kept at `path`, made first (by `make`) if there is none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two launchers starting at once agree on whichever file came first.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path) if path.name == FILE_NAME else _read_plain(path)
    value = make()
    with os.fdopen(fd, "w") as out:
        out.write(value + "\n")
    return value


def _read_plain(path: Path) -> str:
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)
    return path.read_text().strip()


def new_audit_key() -> str:
    """An Ed25519 private key is any 32 random bytes; the variable holds them in base64."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def ensure_in_environment() -> None:
    """Before settings are first read: a set variable wins (and is validated by settings),
    otherwise the kept secret is put into this process's environment for its children."""
    var_dir = VarSettings().var_dir
    if not os.environ.get(AUDIT_KEY_VARIABLE):
        path = var_dir.expanduser().resolve() / AUDIT_KEY_FILE
        os.environ[AUDIT_KEY_VARIABLE] = load_or_create(path, new_audit_key)
    if os.environ.get(SERVICE_SECRET_VARIABLE):
        return
    os.environ[SERVICE_SECRET_VARIABLE] = load_or_create(secret_file(var_dir))
