"""A file's name: a label shown back to people, never a path on any disk.

Anything that could be read as a path, or hide what the name says, is refused: slashes,
backslashes, "..", control and format characters (a right-to-left override can make
"txt.exe" read as "exe.txt"), and names that are only an extension.
"""

from __future__ import annotations

import unicodedata

from services.automation.files.kinds import KINDS, Kind
from services.runtime.errors import Violations

MAX_NAME_CHARS = 255


def _path_like(name: str) -> str | None:
    """Why the name could be read as a path or hides characters, or None."""
    if "/" in name or "\\" in name:
        return "must not contain slashes or backslashes: it is a file name, not a path"
    if ".." in name:
        return 'must not contain ".."'
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        return "must not contain control or format characters"
    return None


def check_name(v: Violations, field: str, name: str, allowed: list[str]) -> Kind | None:
    """The name's kind, or None with a violation saying what is wrong with it."""
    if not name.strip():
        v.add(field, "is required: the file's name, for example report.pdf")
        return None
    if len(name) > MAX_NAME_CHARS:
        v.add(field, f"must be at most {MAX_NAME_CHARS} characters")
        return None
    if name != name.strip():
        v.add(field, "must not start or end with spaces")
        return None
    why = _path_like(name)
    if why is not None:
        v.add(field, why)
        return None
    stem, dot, extension = name.rpartition(".")
    extension = extension.lower()
    if not dot or not stem:
        v.add(field, f"needs a name and an extension, one of {', '.join(allowed)}")
        return None
    if extension not in allowed:
        v.add(field, f"extension .{extension} is not allowed; allowed: {', '.join(allowed)}")
        return None
    return KINDS[extension]
