"""Proto comments by full name, read from a descriptor set's source_code_info.

buf writes source_code_info into generated/tablemesh.binpb (codegen does not pass
--exclude-source-info), so the comments in protos/ become the OpenAPI descriptions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from google.protobuf import descriptor_pb2

# Field numbers that make up source_code_info paths (descriptor.proto).
_FILE_MESSAGE, _FILE_ENUM, _FILE_SERVICE = 4, 5, 6
_MESSAGE_FIELD, _MESSAGE_NESTED, _MESSAGE_ENUM = 2, 3, 4
_ENUM_VALUE = 2
_SERVICE_METHOD = 2


def _clean(text: str) -> str:
    """A comment without the single space after `//`, and without the buf lint markers."""
    lines = [line.removeprefix(" ").rstrip() for line in text.strip("\n").split("\n")]
    return "\n".join(line for line in lines if not line.startswith("buf:lint:")).strip()


def _enum(
    prefix: str, path: tuple[int, ...], enum: descriptor_pb2.EnumDescriptorProto
) -> Iterable[tuple[tuple[int, ...], str]]:
    name = f"{prefix}.{enum.name}"
    yield path, name
    for i, value in enumerate(enum.value):
        # Enum values are scoped beside their enum, but keep them apart per enum here.
        yield (*path, _ENUM_VALUE, i), f"{name}.{value.name}"


def _message(
    prefix: str, path: tuple[int, ...], message: descriptor_pb2.DescriptorProto
) -> Iterable[tuple[tuple[int, ...], str]]:
    name = f"{prefix}.{message.name}"
    yield path, name
    for i, field in enumerate(message.field):
        yield (*path, _MESSAGE_FIELD, i), f"{name}.{field.name}"
    for i, nested in enumerate(message.nested_type):
        yield from _message(name, (*path, _MESSAGE_NESTED, i), nested)
    for i, enum in enumerate(message.enum_type):
        yield from _enum(name, (*path, _MESSAGE_ENUM, i), enum)


def _names(file: descriptor_pb2.FileDescriptorProto) -> Iterable[tuple[tuple[int, ...], str]]:
    """(source path, full name) of everything in a file that can carry a comment."""
    package = file.package
    for i, message in enumerate(file.message_type):
        yield from _message(package, (_FILE_MESSAGE, i), message)
    for i, enum in enumerate(file.enum_type):
        yield from _enum(package, (_FILE_ENUM, i), enum)
    for i, service in enumerate(file.service):
        name = f"{package}.{service.name}"
        yield (_FILE_SERVICE, i), name
        for j, method in enumerate(service.method):
            yield (_FILE_SERVICE, i, _SERVICE_METHOD, j), f"{name}.{method.name}"


def comments(files: Sequence[descriptor_pb2.FileDescriptorProto]) -> dict[str, str]:
    """Full name (`tablemesh.users.v1.User.email`, `...UsersService.GetUser`) -> comment.

    Call it on the unfiltered set: dropping internal methods shifts the method indexes the
    source paths refer to.
    """
    found: dict[str, str] = {}
    for file in files:
        by_path = {
            tuple(loc.path): loc.leading_comments or loc.trailing_comments
            for loc in file.source_code_info.location
        }
        for path, name in _names(file):
            text = _clean(by_path.get(path, ""))
            if text:
                found[name] = text
    return found
