"""What an endpoint must be: a URL webhooks may reach, known event types, short text."""

from __future__ import annotations

from services.runtime.errors import Violations
from services.webhooks import destinations, event_types
from services.webhooks import model as m

DESCRIPTION_MAX = 500
TYPES_MAX = 50
FIELDS = ("url", "description", "event_types", "enabled")


async def check_endpoint(ep: m.Endpoint, allowed: destinations.Allowed, prefix: str) -> None:
    """Raises InvalidArgument naming every bad field (under `prefix`, "endpoint")."""
    v = Violations()
    if not ep.url:
        v.add(f"{prefix}.url", "is required")
    else:
        try:
            await destinations.check(ep.url, allowed)
        except destinations.Unresolved:
            pass  # a well-formed URL whose name has no address yet: each delivery checks
        except destinations.Refused as exc:
            v.add(f"{prefix}.url", str(exc))
    if len(ep.description) > DESCRIPTION_MAX:
        v.add(f"{prefix}.description", f"must be at most {DESCRIPTION_MAX} characters")
    known = event_types.known()
    if not ep.event_types:
        v.add(f"{prefix}.event_types", "must name at least one event type (ListEventTypes)")
    elif len(ep.event_types) > TYPES_MAX:
        v.add(f"{prefix}.event_types", f"must name at most {TYPES_MAX} event types")
    else:
        for i, name in enumerate(ep.event_types):
            if name not in known:
                v.add(
                    f"{prefix}.event_types[{i}]",
                    f"{name[:60]!r} is no event type; known types: {', '.join(known)}",
                )
    v.raise_if_any()
    ep.event_types = list(dict.fromkeys(ep.event_types))
