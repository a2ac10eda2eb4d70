"""The built console in memory, and which file a request path gets.

The whole build is read once, at start: it is the output of one `make console`, fixed for
the life of a deployment (every replica serves the same files from its own image), and a
lookup in a dict cannot be steered outside the directory nor costs a disk read. A new
build is served once the console service restarts (as `make up` does).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from services.runtime.static_files import Asset, content_type

INDEX = "index.html"
# Vite names the files under assets/ by their content's hash: a name never changes content.
HASHED_DIR = "assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
# Everything else (index.html above all) is asked for again on every load, so a new build
# is seen at once; without validators that is a full fetch, and those files are small.
REVALIDATE = "no-cache"
# A build larger than this is a mistake (a stray node_modules), not a console.
MAX_BYTES = 64 * 1024 * 1024

NOT_BUILT = b"""\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>tablemesh console: not built</title></head>
<body>
<h1>The tablemesh console has not been built</h1>
<p>The API works: <a href="/docs">the API reference</a>, <a href="/api/v1/health">health</a>.</p>
<p>To build the console, run <code>make console</code> in the checkout (it needs Node.js and
npm; <code>make up</code> runs it too), then start the mesh again.</p>
</body>
</html>
"""


class BadPath(ValueError):
    """A path that could name something outside the console (.., ., backslashes)."""


def _asset(name: str, data: bytes) -> Asset:
    cache = IMMUTABLE if name.startswith(HASHED_DIR) else REVALIDATE
    return Asset(content_type(name), data, (("cache-control", cache),))


def has_extension(path: str) -> bool:
    return "." in PurePosixPath(path).name


@dataclass(frozen=True)
class Site:
    """The console's files by path below its root ("assets/index-3f2a.js")."""

    files: dict[str, Asset]

    @property
    def built(self) -> bool:
        return INDEX in self.files

    @classmethod
    def load(cls, root: Path) -> Site:
        """Every file under root; an empty Site when root or its index.html is missing."""
        if not (root / INDEX).is_file():
            return cls({})
        files: dict[str, Asset] = {}
        total = 0
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            name = file.relative_to(root).as_posix()
            data = file.read_bytes()
            total += len(data)
            if total > MAX_BYTES:
                raise SystemExit(f"console: the build is over {MAX_BYTES >> 20} MiB")
            files[name] = _asset(name, data)
        return cls(files)

    def lookup(self, path: str) -> Asset | None:
        """The file for a request path: the file itself; index.html for an app route (no
        extension); None for a missing file. Raises BadPath for a path that tries to
        leave the root."""
        path = path.lstrip("/")
        segments = path.split("/")
        if "\\" in path or "\0" in path or any(s in (".", "..") for s in segments):
            raise BadPath(path)
        if not self.built:
            return None if has_extension(path) else _asset(INDEX, NOT_BUILT)
        found = self.files.get(path)
        if found is None and not has_extension(path):
            return self.files[INDEX]
        return found
