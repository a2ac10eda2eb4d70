"""Typed settings from environment variables, in plain Python.

A settings class declares each variable as an annotated attribute set to `var(...)`. Making
one reads the environment (keyword arguments win over it), converts every value to its
annotated type, checks its bounds, and raises InvalidSettings naming every bad variable at
once. Every service process does this at start: a validation framework here cost each of
them about 10 MB and a quarter of a second of CPU.
"""

from __future__ import annotations

import json
import math
import os
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


class Secret:
    """A value that shows as asterisks in reprs and log lines; get_secret_value() reads it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********" if self._value else ""


@dataclass(frozen=True)
class Var:
    """How one setting is read: its default, variable names and checks."""

    default: Any
    # The variables read, first found wins; none given means TABLEMESH_<ATTRIBUTE>.
    env: tuple[str, ...] = ()
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    # Turns a value into the setting or raises ValueError saying why not (after the type).
    check: Callable[[Any], Any] | None = None
    # Said when the setting is unset or empty and has no usable default.
    missing: str | None = None


def var(default: Any = None, *names: str, **rules: Any) -> Any:
    """A setting (typed Any so that `workers: int = var(1, ge=1)` type-checks)."""
    return Var(default, names, **rules)


@dataclass(frozen=True)
class Problem:
    variable: str
    why: str
    # The value given, or None for a secret (it never shows).
    given: object | None


class InvalidSettings(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = ["invalid configuration:"]
        for p in problems:
            shown = "" if p.given is None else f" (got {p.given!r})"
            lines.append(f"  {p.variable}: {p.why}{shown}")
        super().__init__("\n".join(lines))


def split_list(value: object) -> object:
    """Turn 'a, b' or '["a","b"]' into ['a', 'b']; leave real lists alone."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


def _number(kind: type, raw: object) -> float:
    text = raw.strip() if isinstance(raw, str) else raw
    try:
        value = kind(text) if isinstance(text, str) else text
    except ValueError:
        raise ValueError("must be a whole number" if kind is int else "must be a number") from None
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number" if kind is int else "must be a number")
    if kind is int and not isinstance(value, int):
        raise ValueError("must be a whole number")
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _bounded(rule: Var, value: float) -> float:
    if rule.ge is not None and value < rule.ge:
        raise ValueError(f"must be at least {rule.ge}")
    if rule.gt is not None and value <= rule.gt:
        raise ValueError(f"must be greater than {rule.gt}")
    if rule.le is not None and value > rule.le:
        raise ValueError(f"must be at most {rule.le}")
    return value


def convert(kind: Any, raw: object, rule: Var) -> Any:
    """`raw` (text from the environment, or a value given in code) as a `kind`."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):  # X | None
        if raw is None:
            return None
        return convert(next(a for a in args if a is not type(None)), raw, rule)
    if origin is Literal:
        if raw not in args:
            raise ValueError("must be one of " + ", ".join(repr(a) for a in args))
        return raw
    if origin is list:
        try:
            items = split_list(raw)
        except json.JSONDecodeError:
            raise ValueError("must be a JSON list or comma-separated text") from None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ValueError("must be a list of text values")
        return items
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word not in _TRUE | _FALSE:
            raise ValueError("must be true or false")
        return word in _TRUE
    if kind in (int, float):
        return _bounded(rule, _number(kind, raw))
    if kind is Secret:
        return raw if isinstance(raw, Secret) else Secret(str(raw))
    if kind is Path:
        return Path(raw) if isinstance(raw, str | Path) else _wrong("a path")
    if not isinstance(raw, str):
        return _wrong("text")
    return raw


def _wrong(what: str) -> Any:
    raise ValueError(f"must be {what}")


class EnvSettings:
    """Base of a settings class: attributes declared with var(), read when made."""

    PREFIX: ClassVar[str] = "TABLEMESH_"
    _vars: ClassVar[dict[str, tuple[Var, Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hints = typing.get_type_hints(cls)
        cls._vars = {
            name: (rule, hints[name])
            for klass in reversed(cls.__mro__)
            for name, rule in vars(klass).items()
            if isinstance(rule, Var)
        }

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Each attribute's (first) environment variable."""
        return {name: cls._names(name, rule)[0] for name, (rule, _) in cls._vars.items()}

    @classmethod
    def _names(cls, name: str, rule: Var) -> tuple[str, ...]:
        return rule.env or (cls.PREFIX + name.upper(),)

    def __init__(self, **given: Any) -> None:
        unknown = sorted(set(given) - set(self._vars))
        if unknown:
            raise TypeError(f"{type(self).__name__} has no setting {', '.join(unknown)}")
        # Variable names are matched case-insensitively, as most tools do.
        env = {key.upper(): value for key, value in os.environ.items()}
        problems: list[Problem] = []
        for name, (rule, kind) in self._vars.items():
            names = self._names(name, rule)
            found = [(n, env[n]) for n in names if n in env]
            if name in given:
                variable, raw, from_default = names[0], given[name], False
            elif found:
                (variable, raw), from_default = found[0], False
            else:
                variable, raw, from_default = names[0], rule.default, True
            try:
                setattr(self, name, self._value(rule, kind, raw, from_default=from_default))
            except ValueError as exc:
                secret = "Secret" in str(kind)
                problems.append(Problem(variable, str(exc), None if secret else raw))
        if problems:
            raise InvalidSettings(problems)

    @staticmethod
    def _value(rule: Var, kind: Any, raw: object, *, from_default: bool) -> Any:
        if rule.missing is not None and raw in (None, ""):
            raise ValueError(rule.missing)
        if from_default:  # a copy, so no instance can change the class's default
            return list(raw) if isinstance(raw, list) else raw
        value = convert(kind, raw, rule)
        return rule.check(value) if rule.check is not None else value
