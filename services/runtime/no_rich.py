"""Imported first by every service's main module: keeps `rich` out of service processes.

structlog imports rich, and with it pygments, for pretty console tracebacks whenever rich
is installed. The launcher needs rich; a service logs JSON and never uses it, and loading
it cost each service process about 5 MB and a tenth of a second at start. Marked absent,
structlog takes its plain path, exactly as where rich is not installed.

Only in a process started as `python -m services.<name>.main`: a test run or the launcher
importing a service's main module keeps rich for itself.
"""

from __future__ import annotations

import sys


def _running_a_service() -> bool:
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    name = getattr(spec, "name", "") or ""
    return name.startswith("services.") and name.endswith(".main")


if _running_a_service():
    sys.modules.setdefault("rich", None)  # type: ignore[arg-type]
