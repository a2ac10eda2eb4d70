"""Built-in templates and rendering with string.Template `$variables`.

Rendering never guesses: a variable the template uses but the caller did not give is an
INVALID_ARGUMENT that names it, so no email goes out with a literal "$first_name" in it.
"""

from __future__ import annotations

import re
from string import Template

from services.notifications.model import TemplateDef
from services.runtime.errors import Violations

NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_SUBJECT = 300
MAX_BODY = 20_000

BUILTIN: dict[str, TemplateDef] = {
    t.name: t
    for t in (
        TemplateDef(
            "welcome",
            "Welcome to tablemesh, $first_name",
            "Hello $first_name,\n\n"
            'your tablemesh account is ready. Your workspace "$workspace_name" is waiting'
            " for you.\n\nThe tablemesh team\n",
            builtin=True,
        ),
        TemplateDef(
            "invitation",
            "$inviter_name invited you to tablemesh",
            "Hello,\n\n$inviter_name invited you to join their team on tablemesh.\n"
            "Accept the invitation here: $invitation_url\n\n"
            "The invitation expires on $expires_at.\n",
            builtin=True,
        ),
        TemplateDef(
            "password_changed",
            "Your tablemesh password was changed",
            "Hello $first_name,\n\nthe password of your tablemesh account was changed on"
            " $changed_at. If this was not you, reset your password and contact your"
            " administrator.\n",
            builtin=True,
        ),
    )
}


def variables_of(*texts: str) -> list[str]:
    """The sorted, distinct variable names the texts use."""
    names: set[str] = set()
    for text in texts:
        for match in Template.pattern.finditer(text):
            name = match.group("named") or match.group("braced")
            if name:
                names.add(name)
    return sorted(names)


def with_variables(template: TemplateDef) -> TemplateDef:
    template.variables = variables_of(template.subject, template.body)
    return template


def check_text(violations: Violations, field: str, text: str, max_len: int) -> None:
    """A subject or body an admin writes: required, bounded, and valid $-syntax."""
    if not text.strip():
        violations.add(field, "is required")
        return
    if len(text) > max_len:
        violations.add(field, f"must be at most {max_len} characters")
    for match in Template.pattern.finditer(text):
        if match.group("invalid") is not None:
            where = match.start("invalid")
            violations.add(
                field, f"has a stray '$' at position {where}; write $$ for a literal dollar sign"
            )
            return


def check_name(violations: Violations, field: str, name: str) -> None:
    if not NAME.match(name):
        violations.add(
            field, "must be lower-case letters, digits and underscores, starting with a letter"
        )


def render(template: TemplateDef, values: dict[str, str]) -> tuple[str, str]:
    """The subject and body with every variable filled in."""
    missing = [name for name in variables_of(template.subject, template.body) if name not in values]
    if missing:
        v = Violations()
        for name in missing:
            v.add(f"variables[{name}]", f"is required by template {template.name!r}")
        v.raise_if_any()
    return (
        Template(template.subject).substitute(values),
        Template(template.body).substitute(values),
    )
