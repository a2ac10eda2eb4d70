"""google.api.http path templates as regular expressions, written once.

The gateway matches REST routes with them (RE2, in Envoy) and the path-id check reads the
variables back out of a transcoded call's path (Python's re): the escaping below is valid
in both dialects, so both get the same expression.
"""

from __future__ import annotations

import re

# Characters RE2 treats specially; everything else in a path template is literal.
_SPECIAL = re.compile(r"([.^$*+?()\[\]{}|\\])")
VARIABLE = re.compile(r"\{([^}=]+)(?:=([^}]*))?\}")


def _escape(literal: str) -> str:
    return _SPECIAL.sub(r"\\\1", literal)


def _segments_regex(pattern: str) -> str:
    """Regex for a run of template segments without variables (`foo/*/**`)."""
    parts = []
    for segment in pattern.split("/"):
        if segment == "**":
            parts.append(".*")  # zero or more segments, as the transcoder allows
        elif segment == "*":
            parts.append("[^/]+")
        else:
            parts.append(_escape(segment))
    return "/".join(parts)


def template_regex(template: str, *, capture: bool = False) -> str:
    """A regex for a full match of the template's paths; with `capture`, one group per
    variable, in the order of `variables(template)`.

    `/api/v1/auth/invitations/{token}:accept` -> `/api/v1/auth/invitations/[^/]+:accept`.
    A variable `{x}` is one segment; `{x=pattern}` matches its pattern.
    """
    out = []
    pos = 0
    for var in VARIABLE.finditer(template):
        out.append(_segments_regex(template[pos : var.start()]))
        inner = _segments_regex(var.group(2) or "*")
        out.append(f"({inner})" if capture else inner)
        pos = var.end()
    tail = template[pos:]
    # A trailing `:verb` is literal; split it off so `*` handling never sees it.
    verb = ""
    if ":" in tail.rsplit("/", 1)[-1]:
        tail, _, verb = tail.rpartition(":")
        verb = ":" + verb
    out.append(_segments_regex(tail) + _escape(verb))
    return "".join(out)


def variables(template: str) -> tuple[str, ...]:
    """The field paths the template's variables bind, e.g. ('user.id',)."""
    return tuple(var.group(1) for var in VARIABLE.finditer(template))
