"""The tool catalog: each tool's name, description, JSON schema and handler, and the one
place arguments are validated and tools are run, for gRPC, MCP over HTTP and MCP over stdio.

Outcomes, the same on every transport:
- unknown tool: NotFound ("unknown tool 'x'"), an error of the call itself;
- arguments that break the schema: InvalidArgument naming each bad path (arguments.x.y);
- the tool ran but failed (a downstream NOT_FOUND base, a bad formula, ...): a result with
  is_error=True, whose text says why and whose structured content carries the gRPC code.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import grpc
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from services.runtime.errors import NotFound, Violations

Json = dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    """What a tool returns: JSON for programs, text for a language model."""

    data: Json
    text: str = ""
    is_error: bool = False

    @property
    def content_text(self) -> str:
        return self.text or json.dumps(self.data, ensure_ascii=False, default=str)


class ToolFailure(Exception):
    """The tool ran but could not do what was asked; becomes an is_error result."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def failure_result(code: str, message: str) -> ToolResult:
    return ToolResult({"error": {"code": code, "message": message}}, f"{code}: {message}", True)


Handler = Callable[[Any, Json], Awaitable[ToolResult]]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    input_schema: Json
    # Called as handler(tables, arguments) with validated arguments (defaults filled in).
    handler: Handler = field(compare=False)

    @property
    def validator(self) -> Draft202012Validator:
        return Draft202012Validator(self.input_schema)


def _path(error: ValidationError) -> str:
    path = "arguments"
    for item in error.absolute_path:
        path += f"[{item}]" if isinstance(item, int) else f".{item}"
    return path


def violations_of(error: ValidationError) -> list[tuple[str, str]]:
    """(argument path, what is wrong): a missing or unknown property is named in the path."""
    path = _path(error)
    instance = error.instance if isinstance(error.instance, dict) else {}
    if error.validator == "required":
        missing = [p for p in error.validator_value if p not in instance]
        return [(f"{path}.{p}", "is required") for p in missing]
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = sorted(k for k in instance if k not in known)
        return [(f"{path}.{k}", "is not a known argument") for k in extra]
    return [(path, error.message)]


def with_defaults(schema: Json, arguments: Json) -> Json:
    """Top-level defaults from the schema filled in, so handlers need not repeat them."""
    filled = dict(arguments)
    for name, prop in schema.get("properties", {}).items():
        if name not in filled and "default" in prop:
            filled[name] = prop["default"]
    return filled


class Catalog:
    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools = {t.name: t for t in tools}
        self._validators = {t.name: t.validator for t in self._tools.values()}
        for tool in self._tools.values():
            Draft202012Validator.check_schema(tool.input_schema)

    @property
    def tools(self) -> list[Tool]:
        return list(self._tools.values())

    def get(self, name: str) -> Tool:
        tool = self._tools.get(name)
        if tool is None:
            raise NotFound(f"unknown tool {name!r}", reason="UNKNOWN_TOOL")
        return tool

    def validate(self, name: str, arguments: Json | None) -> Json:
        """The arguments with defaults, or InvalidArgument naming every bad path."""
        tool = self.get(name)
        args = arguments or {}
        violations = Violations()
        errors = sorted(self._validators[name].iter_errors(args), key=lambda e: list(e.path))
        # One "required" error per missing property, each able to name them all: dedupe.
        found = dict.fromkeys(v for error in errors for v in violations_of(error))
        for path, description in found:
            violations.add(path, description)
        violations.raise_if_any()
        return with_defaults(tool.input_schema, args)

    async def call(self, name: str, arguments: Json | None, tables: Any) -> ToolResult:
        """Validate, then run; downstream failures become is_error results."""
        args = self.validate(name, arguments)
        try:
            return await self._tools[name].handler(tables, args)
        except ToolFailure as exc:
            return failure_result(exc.code, exc.message)
        except grpc.aio.AioRpcError as exc:
            # A downstream refusal (another tenant's base answers NOT_FOUND, a bad formula
            # INVALID_ARGUMENT): the tool ran and failed, and the model should read why.
            return failure_result(exc.code().name, exc.details() or exc.code().name)
